import type { Endpoint } from '../config/types.js';

/** Joins repository path parts with single slashes; empty parts (an empty prefix) vanish. */
export function joinRepositoryPath(...parts: string[]): string {
  return parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment !== '')
    .join('/');
}

/** The part of a ref before the repository: `host[:port]` or `ocidir://PATH`. */
export function endpointBase(endpoint: Endpoint): string {
  if (endpoint.scheme === 'registry') return endpoint.host;
  // As written (relative paths stay relative), so a plan committed to git is the same on every checkout.
  return endpoint.written ?? `ocidir://${endpoint.path.replace(/\/+$/, '')}`;
}

/** `host/repository` (no tag), used for skipped repositories. */
export function repositoryRef(endpoint: Endpoint, repository: string): string {
  return `${endpointBase(endpoint)}/${repository}`;
}

/** `host/repository:tag`, the ref form of the Plan JSON. */
export function tagRef(endpoint: Endpoint, repository: string, tag: string): string {
  return `${repositoryRef(endpoint, repository)}:${tag}`;
}

/** Full repository path at the source for a path relative to the source prefix. */
export function sourceRepositoryPath(endpoint: Endpoint, relative: string): string {
  return joinRepositoryPath(endpoint.prefix, relative);
}

/** Splits `base/repo:tag` at the last colon after the last slash (a port colon comes before a slash). */
export function splitTagRef(ref: string): { repository: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref, tag: '' };
}

/**
 * `record[key]` when the record has that key itself. Tags and repository names are keys of the Inventory's
 * records, and `constructor`, `toString` or `__proto__` are valid tags: a plain lookup would find Object's.
 */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Sets `record[key]` as an own entry, even for `__proto__` (a plain assignment would replace the prototype). */
export function setOwnEntry<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
