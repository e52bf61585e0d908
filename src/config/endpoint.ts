import path from 'node:path';
import type { Endpoint } from './types.js';

const OCIDIR = 'ocidir://';

/**
 * `127.0.0.1:5000/team` → registry host + prefix; `ocidir://./dir` → an absolute directory, relative paths taken
 * from `baseDir` (the config file's directory, or the cwd for command-line flags). Assumes the schema's form.
 */
export function parseEndpoint(text: string, baseDir: string): Endpoint {
  if (text.startsWith(OCIDIR)) {
    const written = text.replace(/\/+$/, '');
    return { scheme: 'ocidir', path: path.resolve(baseDir, text.slice(OCIDIR.length)), prefix: '', written };
  }
  const slash = text.indexOf('/');
  if (slash === -1) return { scheme: 'registry', host: text, prefix: '' };
  return { scheme: 'registry', host: text.slice(0, slash), prefix: text.slice(slash + 1).replace(/\/+$/, '') };
}

/**
 * The endpoint as a user writes it (the inverse of parseEndpoint). `resolved` gives an ocidir's absolute path,
 * for printed configs that must mean the same wherever they are saved.
 */
export function formatEndpoint(endpoint: Endpoint, options: { resolved?: boolean } = {}): string {
  if (endpoint.scheme === 'ocidir') return (options.resolved ? undefined : endpoint.written) ?? OCIDIR + endpoint.path;
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
  if (text.startsWith(OCIDIR)) return null;
  const match = WITH_USERINFO.exec(text);
  if (match === null) return null;
  const [, userinfo = '', host = '', rest = ''] = match;
  const colon = userinfo.indexOf(':');
  const password = colon === -1 ? userinfo : userinfo.slice(colon + 1);
  return { host, withoutCredentials: host + rest, secrets: [userinfo, password].filter((secret) => secret !== '') };
}
