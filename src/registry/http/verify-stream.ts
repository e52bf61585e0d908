import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { RegsyncError } from '../../util/errors.js';

export interface VerifyOptions {
  digest: string;
  /** Expected byte count, or null when unknown. */
  size: number | null;
  /** false: the bytes are known to be checked upstream; count them (and check the size) without hashing. */
  hash?: boolean;
  /** Called with every chunk's length (for byte counters). */
  onBytes?: (bytes: number) => void;
  /** For the error: where the bytes came from or were going. */
  describe: string;
  host?: string;
  repository?: string;
}

/** Streams made here, with the digest and size they check: an upload fed by one need not hash the bytes again. */
const verifying = new WeakMap<Transform, { digest: string; size: number | null }>();

/** Whether `stream` is a verifyingStream checking exactly this digest and size (it then fails before its end otherwise). */
export function alreadyVerifies(stream: unknown, digest: string, size: number): boolean {
  const checks = stream instanceof Transform ? verifying.get(stream) : undefined;
  return checks !== undefined && checks.digest === digest && (checks.size === size || checks.size === null);
}

/**
 * Passes bytes through while hashing them; fails at the end (before signalling end-of-stream) when the
 * sha256 or the size differ, so an upload fed by it is aborted instead of committed.
 */
export function verifyingStream(options: VerifyOptions): Transform {
  const hash = options.hash === false ? null : createHash('sha256');
  let count = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      hash?.update(chunk);
      count += chunk.length;
      options.onBytes?.(chunk.length);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const actual = hash === null ? options.digest : `sha256:${hash.digest('hex')}`;
      const wrongSize = options.size !== null && options.size >= 0 && count !== options.size;
      if (actual !== options.digest || wrongSize) {
        const why = wrongSize ? `${count} bytes instead of ${options.size}` : `its sha256 is ${actual}`;
        callback(
          new RegsyncError(`blob ${options.digest} ${options.describe} does not match its digest (${why}): refusing it`, {
            code: 'DIGEST_MISMATCH',
            reference: options.digest,
            ...(options.host ? { host: options.host } : {}),
            ...(options.repository ? { repository: options.repository } : {}),
          }),
        );
        return;
      }
      callback();
    },
  });
  // Readers that attach late (the request starts pulling only once connected) still see the error through the
  // stream's errored state; without a listener, an early error would crash the process instead.
  stream.on('error', () => undefined);
  if (hash !== null) verifying.set(stream, { digest: options.digest, size: options.size });
  return stream;
}
