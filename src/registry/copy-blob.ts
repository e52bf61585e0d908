import { setTimeout as sleep } from 'node:timers/promises';
import { isRegsyncError } from '../util/errors.js';
import { throwIfAborted } from './abort.js';
import type { Descriptor, Registry } from './types.js';
import { canMount } from './types.js';

/** How one blob reached the target. `shared`: another copy was already moving it, we waited for it. */
export type BlobOutcome = 'skipped' | 'mounted' | 'copied' | 'shared';

export interface BlobCopyResult {
  outcome: BlobOutcome;
  bytes: number;
}

/** Everything the ladder needs to know about one source → target pair. */
export interface BlobCopyContext {
  source: Registry;
  sourceRepository: string;
  target: Registry;
  targetRepository: string;
  /** Called before each retry of a failed upload. */
  onRetry?: (digest: string, attempt: number, error: unknown) => void;
  /** Stops the transfer (requests and streams) when it fires. */
  signal?: AbortSignal | undefined;
}

/** Attempts per blob upload; each restarts the blob from its first byte. */
export const BLOB_ATTEMPTS = 3;
const RETRY_DELAY_MS = 250;

// Process-wide: concurrent copies of tags of one image meet here, whichever copyImage call started them.
// Distribution 2.8 corrupts a repository's link file when one blob is uploaded into it twice at once.
const inFlight = new Map<string, Promise<BlobCopyResult>>();

/** Mounting needs both repositories on one registry; the same client, or two clients for one host. */
export function sameRegistry(a: Registry, b: Registry): boolean {
  return a === b || a.name === b.name;
}

/** Errors that a fresh attempt can cure: the network, the server's load, bytes damaged on the way. */
export function isRetryable(error: unknown): boolean {
  if (!isRegsyncError(error)) return true;
  switch (error.code) {
    case 'NETWORK':
    case 'DIGEST_MISMATCH':
      return true;
    case 'REGISTRY':
      return error.status === undefined || error.status >= 500 || error.status === 429 || error.status === 408;
    default:
      return false;
  }
}

async function streamOnce(context: BlobCopyContext, blob: Descriptor): Promise<number> {
  const call = { signal: context.signal };
  const { stream, size } = await context.source.getBlob(context.sourceRepository, blob.digest, call);
  try {
    await context.target.uploadBlob(context.targetRepository, blob.digest, size, stream, call);
    return size;
  } finally {
    // A failed upload may leave the source response half-read; free its socket.
    if (!stream.destroyed) stream.destroy();
  }
}

async function transfer(context: BlobCopyContext, blob: Descriptor): Promise<BlobCopyResult> {
  const { source, sourceRepository, target, targetRepository } = context;
  const call = { signal: context.signal };
  if (await target.headBlob(targetRepository, blob.digest, call)) return { outcome: 'skipped', bytes: 0 };
  if (sameRegistry(source, target) && sourceRepository !== targetRepository && canMount(target)) {
    if (await target.mountBlob(targetRepository, blob.digest, sourceRepository, call)) return { outcome: 'mounted', bytes: 0 };
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { outcome: 'copied', bytes: await streamOnce(context, blob) };
    } catch (error) {
      if (attempt >= BLOB_ATTEMPTS || !isRetryable(error)) throw error;
      context.onRetry?.(blob.digest, attempt, error);
      await sleep(RETRY_DELAY_MS * attempt, undefined, call).catch(() => undefined);
      throwIfAborted(call, `copy of blob ${blob.digest} to ${target.name}/${targetRepository}`, target.name);
    }
  }
}

/**
 * Gets one blob into the target repository by the cheapest rung of the ladder: already there →
 * skip; same registry → cross-repository mount; otherwise stream GET → upload (verified by the
 * target as it flows), retried from the first byte. Concurrent calls for the same target
 * repository and digest share one transfer.
 */
export async function copyBlob(context: BlobCopyContext, blob: Descriptor): Promise<BlobCopyResult> {
  const key = `${context.target.name}\u0000${context.targetRepository}\u0000${blob.digest}`;
  const running = inFlight.get(key);
  if (running) {
    await running;
    return { outcome: 'shared', bytes: 0 };
  }
  const transferring = transfer(context, blob);
  inFlight.set(key, transferring);
  try {
    return await transferring;
  } finally {
    inFlight.delete(key);
  }
}
