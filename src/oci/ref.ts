import { isAbsolute, resolve } from 'node:path';
import { RegsyncError } from '../util/errors.js';
import { DOCKER_HUB, DOCKER_HUB_API, isDockerHub } from './docker-hub.js';
import { isOcidirEndpoint, parseStoreEndpoint } from './endpoint.js';
import { isDigest, isRepositoryComponent, isTag } from './names.js';
import type { ImageRef } from './types.js';

function invalid(text: string, why: string): never {
  throw new RegsyncError(`invalid image reference "${text}": ${why}`, { code: 'USAGE', reference: text });
}

/** The host that serves a registry's API: docker.io and its aliases become registry-1.docker.io. */
export function registryHostForEndpoint(host: string): string {
  return isDockerHub(host) ? DOCKER_HUB_API : host;
}

/** The repository a registry's API knows: on Docker Hub one-segment names are official images (`nginx` → `library/nginx`). */
export function apiRepository(host: string, repository: string): string {
  return isDockerHub(host) && !repository.includes('/') ? `library/${repository}` : repository;
}

/**
 * Splits `name[:tag]` at the last colon after the last slash (a port colon is not a tag); nothing is checked.
 * The tag is null when there is none.
 */
export function splitTag(text: string): { name: string; tag: string | null } {
  const colon = text.lastIndexOf(':');
  if (colon <= text.lastIndexOf('/')) return { name: text, tag: null };
  return { name: text.slice(0, colon), tag: text.slice(colon + 1) };
}

/** Splits and checks `name[:tag][@digest]`. */
function splitTagAndDigest(text: string, rest: string): { name: string; tag: string | null; digest: string | null } {
  let name = rest;
  let digest: string | null = null;
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
    if (!isDigest(digest)) invalid(text, `"${digest}" is not a sha256 digest`);
  }
  const split = splitTag(name);
  if (split.tag !== null && !isTag(split.tag)) invalid(text, `"${split.tag}" is not a valid tag`);
  return { name: split.name, tag: split.tag, digest };
}

function checkRepository(text: string, repository: string): void {
  if (repository === '') invalid(text, 'the repository name is empty');
  for (const component of repository.split('/')) {
    if (!isRepositoryComponent(component))
      invalid(text, `"${component}" is not a valid repository path component (lowercase letters, digits and . _ - separators)`);
  }
}

/**
 * `ocidir://DIR/repo[:tag][@digest]`: the repository is the last path segment, or everything after
 * a `//` when the repository itself has slashes (`ocidir:///data/mirror//team/app:v1`).
 */
function parseOcidir(text: string): ImageRef {
  const endpoint = parseStoreEndpoint(text);
  const body = endpoint.scheme === 'ocidir' ? endpoint.path : text;
  const { name, tag, digest } = splitTagAndDigest(text, body);
  const split = name.indexOf('//', 1);
  const cut = split > 0 ? split : name.lastIndexOf('/');
  if (cut <= 0) invalid(text, 'expected ocidir://DIRECTORY/REPOSITORY[:TAG]');
  const directory = name.slice(0, cut);
  const repository = name.slice(cut + (split > 0 ? 2 : 1));
  checkRepository(text, repository);
  return { scheme: 'ocidir', registry: isAbsolute(directory) ? directory : resolve(directory), repository, tag, digest };
}

/** Parses an image reference the way Docker does, once, at the edge. */
export function parseImageRef(text: string): ImageRef {
  const trimmed = text.trim();
  if (isOcidirEndpoint(trimmed)) return parseOcidir(trimmed);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed))
    invalid(text, 'only ocidir:// is a supported scheme; write registry references without one');
  const slash = trimmed.indexOf('/');
  const first = slash >= 0 ? trimmed.slice(0, slash) : '';
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = hasHost ? first : DOCKER_HUB;
  const { name, tag, digest } = splitTagAndDigest(text, hasHost ? trimmed.slice(slash + 1) : trimmed);
  const registry = registryHostForEndpoint(host);
  const repository = apiRepository(registry, name);
  checkRepository(text, repository);
  return { scheme: 'registry', registry, repository, tag, digest };
}

/** The reference as people write it; `parseImageRef(formatImageRef(ref))` gives `ref` back. */
export function formatImageRef(ref: ImageRef): string {
  const suffix = `${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
  if (ref.scheme === 'ocidir') {
    const separator = ref.repository.includes('/') ? '//' : '/';
    return `ocidir://${ref.registry.replace(/\/+$/, '')}${separator}${ref.repository}${suffix}`;
  }
  const host = ref.registry === DOCKER_HUB_API ? DOCKER_HUB : ref.registry;
  return `${host}/${ref.repository}${suffix}`;
}

/**
 * The reference at one end of a plan change (its endpoint as the plan writes it, the repository at that endpoint):
 * Docker Hub's aliases become its API host and official images `library/x`, as parseImageRef reads them; an ocidir
 * directory stays as written (relative paths are not resolved here).
 */
export function imageRefAt(endpoint: string, repository: string, tag: string | null, digest: string | null): ImageRef {
  const store = parseStoreEndpoint(endpoint);
  if (store.scheme === 'ocidir') return { scheme: 'ocidir', registry: store.path, repository, tag, digest };
  const registry = registryHostForEndpoint(store.host);
  return { scheme: 'registry', registry, repository: apiRepository(registry, repository), tag, digest };
}
