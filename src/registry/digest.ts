import { createHash } from 'node:crypto';

export { isDigest } from '../util/oci-names.js';

/** sha256 digest of exact bytes, in OCI form. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
