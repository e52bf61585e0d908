import { DOCKER_HUB, isDockerHub } from './docker-hub.js';

/** The scheme prefix of an OCI layout directory; every other endpoint is an HTTP registry's host[:port]. */
const OCIDIR_SCHEME = 'ocidir://';

/**
 * Where a repository store is, as plans and configs name it: an HTTP registry (`host[:port]`) or a directory of
 * OCI layouts (`ocidir://PATH`, the path as written: relative paths stay relative until config resolves them).
 */
export type StoreEndpoint = { scheme: 'registry'; host: string } | { scheme: 'ocidir'; path: string };

/** True for `ocidir://…`: the one test of "is this a directory, not a registry host". */
export function isOcidirEndpoint(text: string): boolean {
  return text.startsWith(OCIDIR_SCHEME);
}

/** `ocidir://PATH` → the directory; anything else → a registry host (nothing is checked: the schema did). */
export function parseStoreEndpoint(text: string): StoreEndpoint {
  return isOcidirEndpoint(text) ? { scheme: 'ocidir', path: text.slice(OCIDIR_SCHEME.length) } : { scheme: 'registry', host: text };
}

/** The inverse of parseStoreEndpoint. */
export function formatStoreEndpoint(endpoint: StoreEndpoint): string {
  return endpoint.scheme === 'ocidir' ? `${OCIDIR_SCHEME}${endpoint.path}` : endpoint.host;
}

/** What a registry pool files a store under: the host as written, or the directory. */
export function storeLocation(endpoint: StoreEndpoint): string {
  return endpoint.scheme === 'ocidir' ? endpoint.path : endpoint.host;
}

/** How a registry host is spoken to: verified TLS, TLS without verification, or plain HTTP (config `tls`). */
export type TlsMode = 'enabled' | 'insecure' | 'disabled';

/** A registry host as plans and budgets name it: Docker Hub's aliases are one host, `docker.io`. */
export function registryHostName(host: string): string {
  return isDockerHub(host) ? DOCKER_HUB : host;
}
