import { createHash } from 'node:crypto';

export { isDigest } from './names.js';

/** sha256 digest of exact bytes, in OCI form. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** `sha256:abcd1234`: the algorithm and the first 8 hex digits, enough to tell digests apart by eye. */
export function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return hex === undefined ? digest : `${algorithm}:${hex.slice(0, 8)}`;
}
