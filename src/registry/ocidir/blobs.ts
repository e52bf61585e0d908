import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { Transform, pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { abortedError } from '../abort.js';
import { onAbort } from '../../util/abort-listeners.js';
import { RegsyncError } from '../../util/errors.js';
import { blobPath, ensureLayout, tempPath } from './layout.js';

/**
 * Streams `body` into the layout's blob store. The bytes land in a temp file and are renamed into
 * place only once their sha256 and size match, so a failed or lying upload leaves nothing behind.
 * Returns the number of bytes written.
 */
export async function writeBlob(
  repoDir: string,
  repository: string,
  digest: string,
  size: number,
  body: Readable,
  signal?: AbortSignal,
): Promise<number> {
  const final = blobPath(repoDir, digest);
  await ensureLayout(repoDir);
  const temp = tempPath(repoDir);
  // Created before any byte flows: a lazily opened write stream could create the file after a failed
  // upload's clean-up had already run, leaving a stray temp file behind.
  const out = (await open(temp, 'wx')).createWriteStream();
  const hash = createHash('sha256');
  let written = 0;
  try {
    await pipelineAsync(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          written += chunk.length;
          yield chunk;
        }
      },
      out,
      signal ? { signal } : {},
    );
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== digest || (size >= 0 && written !== size)) {
      throw new RegsyncError(
        `blob ${digest} for ${repository} did not match: got ${actual} (${written} bytes, expected ${size}); nothing was stored`,
        {
          code: 'DIGEST_MISMATCH',
          repository,
          reference: digest,
        },
      );
    }
    await rename(temp, final);
    return written;
  } catch (error) {
    out.destroy();
    await rm(temp, { force: true });
    if (signal?.aborted) throw abortedError(`writing blob ${digest} to ${repository}`, undefined, error);
    throw error;
  }
}

/**
 * A blob file as a stream that counts its bytes (in a pass-through: a 'data' listener on the file stream
 * would start it flowing before the caller reads) and fails with ABORTED when `signal` fires.
 */
export function readBlobStream(file: string, onBytes: (n: number) => void, signal: AbortSignal | undefined, root: string): Readable {
  const counter = new Transform({
    transform: (chunk: Buffer, _encoding, done) => {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  const source = createReadStream(file);
  pipeline(source, counter, () => undefined);
  if (signal) {
    const stopListening = onAbort(signal, () => void counter.destroy(abortedError(`reading ${file}`, root, signal.reason)));
    counter.on('close', stopListening);
  }
  return counter;
}
