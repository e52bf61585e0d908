import { createHash } from 'node:crypto';

const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

/** sha256 digest of exact bytes, in OCI form. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}
