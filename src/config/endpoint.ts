import path from 'node:path';
import { dockerHubLocation, formatStoreEndpoint, isOcidirEndpoint, parseStoreEndpoint } from '../oci/index.js';
import type { Endpoint } from './types.js';

/**
 * `127.0.0.1:5000/team` → registry host + prefix; `ocidir://./dir` → an absolute directory, relative paths taken
 * from `baseDir` (the config file's directory, or the cwd for command-line flags). A name without a host is on
 * Docker Hub, as Docker reads it (`alpine` → docker.io + library/alpine). Assumes the schema's form.
 */
export function parseEndpoint(written: string, baseDir: string): Endpoint {
  const store = parseStoreEndpoint(written);
  if (store.scheme === 'ocidir') {
    const text = written.replace(/\/+$/, '');
    return { scheme: 'ocidir', path: path.resolve(baseDir, store.path), prefix: '', written: text };
  }
  const text = dockerHubLocation(written);
  const slash = text.indexOf('/');
  if (slash === -1) return { scheme: 'registry', host: text, prefix: '' };
  return { scheme: 'registry', host: text.slice(0, slash), prefix: text.slice(slash + 1).replace(/\/+$/, '') };
}

/**
 * The endpoint as a user writes it (the inverse of parseEndpoint). `resolved` gives an ocidir's absolute path,
 * for printed configs that must mean the same wherever they are saved.
 */
export function formatEndpoint(endpoint: Endpoint, options: { resolved?: boolean } = {}): string {
  if (endpoint.scheme === 'ocidir') return (options.resolved ? undefined : endpoint.written) ?? formatStoreEndpoint(endpoint);
  return endpoint.prefix === '' ? endpoint.host : `${endpoint.host}/${endpoint.prefix}`;
}

/** `user:password@` written into an endpoint: the parts a message may show, and the secret it must not. */
export interface EndpointCredentials {
  /** host[:port] without the credentials. */
  host: string;
  /** The endpoint as it should have been written (no credentials, no scheme). */
  withoutCredentials: string;
  /** What must never be printed: the whole `user:password` and the password alone. */
  secrets: string[];
}

// `[scheme://]userinfo@host[:port][/prefix]`: the userinfo ends at the last `@` before the first `/`.
const WITH_USERINFO = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/)?([^/]*)@([^/@]*)(\/.*)?$/;

/** Credentials written inside a registry endpoint (`alice:s3cr3t@host/x`), or null. ocidir paths never carry any. */
export function endpointCredentials(text: string): EndpointCredentials | null {
  if (isOcidirEndpoint(text)) return null;
  const match = WITH_USERINFO.exec(text);
  if (match === null) return null;
  const [, userinfo = '', host = '', rest = ''] = match;
  const colon = userinfo.indexOf(':');
  const password = colon === -1 ? userinfo : userinfo.slice(colon + 1);
  return { host, withoutCredentials: host + rest, secrets: [userinfo, password].filter((secret) => secret !== '') };
}

/**
 * A location that names a tag or a digest as an image reference does (`docker.io/library/alpine:3.19`,
 * `alpine:3.19`, `ghcr.io/org/app@sha256:...`): the location without it, and what it named. A host's port
 * (`127.0.0.1:5000`, `registry:5000`) is not a tag. null for every other text.
 */
export function taggedLocation(text: string): { location: string; tag: string } | { location: string; digest: string } | null {
  if (isOcidirEndpoint(text) || endpointCredentials(text) !== null) return null;
  const at = text.indexOf('@');
  if (at > 0) return { location: dockerHubLocation(text.slice(0, at)), digest: text.slice(at + 1) };
  const slash = text.lastIndexOf('/');
  const colon = text.lastIndexOf(':');
  if (colon <= slash) return null;
  // Without a slash, `name:5000` is a host and port (a compose service name); `alpine:3.19` cannot be one.
  if (slash === -1 && /^[0-9]{1,5}$/.test(text.slice(colon + 1))) return null;
  return { location: dockerHubLocation(text.slice(0, colon)), tag: text.slice(colon + 1) };
}

/** Why a source or destination that names a tag or digest is refused, and the config that says what was meant. */
export function taggedLocationMessage(key: string, text: string): string | null {
  const tagged = taggedLocation(text);
  if (tagged === null) return null;
  const named = 'tag' in tagged ? `the tag ${tagged.tag}` : `the digest ${tagged.digest}`;
  const head = `"${text}" names ${named}, but a ${key} is a repository or a prefix: write ${key}: ${tagged.location}`;
  if (key !== 'source') return `${head} (each tag keeps its source name)`;
  if (!('tag' in tagged)) return `${head}; tags are selected by name (tags.include), not by digest`;
  return `${head} and select the tag with tags: { include: ['^${escapeRegex(tagged.tag)}$'] }`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
