import type { Endpoint } from '../config/types.js';
import { formatStoreEndpoint, splitTag } from '../oci/index.js';
import { joinRepositoryPath } from '../util/repository-path.js';
import type { ChangeLocation } from './types.js';

/** The part of a ref before the repository: `host[:port]` or `ocidir://PATH`. */
export function endpointBase(endpoint: Endpoint): string {
  if (endpoint.scheme === 'registry') return endpoint.host;
  // As written (relative paths stay relative), so a plan committed to git is the same on every checkout.
  return endpoint.written ?? formatStoreEndpoint({ scheme: 'ocidir', path: endpoint.path.replace(/\/+$/, '') });
}

/** `host/prefix` (or just the host): where a mirror reads or writes, for messages. */
export function endpointPlace(endpoint: Endpoint): string {
  return endpoint.prefix === '' ? endpointBase(endpoint) : `${endpointBase(endpoint)}/${endpoint.prefix}`;
}

/** `host/repository` (no tag), used for skipped repositories. */
export function repositoryRef(endpoint: Endpoint, repository: string): string {
  return `${endpointBase(endpoint)}/${repository}`;
}

/** `host/repository:tag`, the ref form of the Plan JSON. */
export function tagRef(endpoint: Endpoint, repository: string, tag: string): string {
  return locationRef(endpointBase(endpoint), repository, tag);
}

/**
 * The one rule from a change end's parts (what apply reads) to its display `ref`: the planner and the plan file
 * reader both derive it here, so what is shown is what is written. A location without a tag shows no tag.
 */
export function locationRef(endpoint: string, repository: string, tag: string | null): string {
  return tag === null ? `${endpoint}/${repository}` : `${endpoint}/${repository}:${tag}`;
}

/** `endpoint/repository@digest`: the display ref of a location named by digest alone (a referrer change's ends). */
export function digestLocationRef(endpoint: string, repository: string, digest: string): string {
  return `${endpoint}/${repository}@${digest}`;
}

/** A change's end as parsed fields plus its display ref. */
export function tagLocation(endpoint: Endpoint, repository: string, tag: string): ChangeLocation {
  const base = endpointBase(endpoint);
  return { ref: locationRef(base, repository, tag), endpoint: base, repository, tag };
}

/** Full repository path at the source for a path relative to the source prefix. */
export function sourceRepositoryPath(endpoint: Endpoint, relative: string): string {
  return joinRepositoryPath(endpoint.prefix, relative);
}

/**
 * Splits a display ref `base/repo:tag` at the last colon after the last slash, for ordering skipped entries only
 * (they carry no parsed fields); changes are ordered and executed from their parsed locations.
 */
export function splitTagRef(ref: string): { repository: string; tag: string } {
  const { name, tag } = splitTag(ref);
  return { repository: name, tag: tag ?? '' };
}
