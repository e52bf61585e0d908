import { MANIFEST_ACCEPT } from '../../oci/index.js';
import type { CallOptions } from '../types.js';
import { pullScope } from './scopes.js';
import type { SendRequest } from './send-request.js';

/** The same headers for every manifest read (node:http does not keep or change the object). */
const ACCEPT_HEADERS: Record<string, string> = Object.freeze({ accept: MANIFEST_ACCEPT });

/** A HEAD or GET of a manifest, accepting every manifest type regsync reads. */
export function manifestRead(
  method: 'HEAD' | 'GET',
  repository: string,
  reference: string,
  options?: CallOptions,
  accept?: (status: number) => boolean,
): SendRequest {
  const url = manifestPath(repository, reference);
  const scopes = [pullScope(repository)];
  return { method, url, headers: ACCEPT_HEADERS, scopes, repository, reference, signal: options?.signal, manifest: true, accept };
}

export function manifestPath(repository: string, reference: string): string {
  return `/v2/${repository}/manifests/${reference}`;
}
