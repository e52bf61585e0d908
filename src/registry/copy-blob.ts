import { abortableDelay } from '../util/abort-listeners.js';
import { isRegsyncError } from '../util/errors.js';
import { throwIfAborted } from './abort.js';
import { AttemptBudget } from './attempt-budget.js';
import type { BlobHolders } from './blob-holders.js';
import { CopyShares } from './copy-shares.js';
import { backoffDelay } from './http/backoff.js';
import { isRetryable } from './retry-rule.js';
import type { Descriptor, Registry, UploadSession } from './types.js';
import { canMount, canOpenUpload } from './types.js';

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
  /** Called before each restart of a failed stream (`attempt`: the attempt that failed). */
  onRetry?: (digest: string, attempt: number, error: unknown) => void;
  /** The run's in-flight copies: a transfer of the same blob into the same repository running now is joined. */
  shares: CopyShares;
  /** Stops the transfer (requests and streams) when it fires. */
  signal?: AbortSignal | undefined;
  /**
   * The run's record of blobs at the destinations: a blob another repository of the target registry got earlier
   * in the run (or is being given right now) is mounted from there instead of uploaded again.
   */
  holders?: BlobHolders | undefined;
}

/**
 * How a missing blob gets in: mounted from a repository of the target registry (`holder`: one this run gave the
 * blob, on a copy between registries), or uploaded (`settle` when claimed).
 */
type Route = { kind: 'mount'; from: string; holder: boolean } | { kind: 'upload'; settle: ((landed: boolean) => void) | null };

/** Mounting needs both repositories on one registry; the same client, or two clients for one host. */
export function sameRegistry(a: Registry, b: Registry): boolean {
  return a === b || a.name === b.name;
}

/**
 * A mount answered other than 201/202 by a registry with partial mount support (400, 404, 405): the upload still
 * works. Only tried for a holder mount, which the user never asked for; a refused source mount keeps its error.
 */
function isMountUnsupported(error: unknown): boolean {
  if (!isRegsyncError(error)) return false;
  if (error.code === 'NOT_FOUND' || error.code === 'UNSUPPORTED') return true;
  return error.code === 'REGISTRY' && error.status !== undefined && error.status >= 400 && error.status < 500;
}

/** The session to PUT into: the one a refused mount opened, a fresh one where the target opens them, else null (uploadBlob opens it). */
function sessionFor(context: BlobCopyContext, given: UploadSession | null): Promise<UploadSession | null> {
  const { target, targetRepository, signal } = context;
  if (given !== null || !canOpenUpload(target)) return Promise.resolve(given);
  return target.openUpload(targetRepository, { signal });
}

async function streamOnce(context: BlobCopyContext, blob: Descriptor, given: UploadSession | null, budget: AttemptBudget): Promise<number> {
  const call = { signal: context.signal };
  // The source's GET and the target's upload session at once: the same two upload requests, one round trip less.
  const [download, opened] = await Promise.allSettled([
    context.source.getBlob(context.sourceRepository, blob.digest, { ...call, budget }),
    sessionFor(context, given),
  ]);
  if (download.status === 'rejected') {
    // The source GET failed before uploadBlob took the session over: throw it away, a retry opens its own.
    const session = opened.status === 'fulfilled' ? opened.value : null;
    if (session !== null && canMount(context.target)) await context.target.cancelUpload(session);
    throw download.reason;
  }
  const { stream, size } = download.value;
  try {
    if (opened.status === 'rejected') throw opened.reason;
    await context.target.uploadBlob(context.targetRepository, blob.digest, size, stream, { ...call, session: opened.value });
    return size;
  } finally {
    // A failed upload may leave the source response half-read; free its socket.
    if (!stream.destroyed) stream.destroy();
  }
}

/**
 * GET → upload, restarted from the first byte when the stream failed where the transport cannot send again (a body
 * already partly consumed, an upload of a stream). One attempt budget for the whole blob: the source's own retries
 * of the GET and these restarts together make at most the configured attempts. The first attempt PUTs into
 * `session` when a refused mount opened one.
 */
async function upload(context: BlobCopyContext, blob: Descriptor, session: UploadSession | null): Promise<number> {
  const call = { signal: context.signal };
  const budget = new AttemptBudget();
  for (let first = true; ; first = false) {
    const spent = budget.used;
    try {
      return await streamOnce(context, blob, first ? session : null, budget);
    } catch (error) {
      // A source that sent no request for this attempt (an ocidir, bytes the run already read) still spent one.
      if (budget.used === spent) budget.begin();
      if (context.signal?.aborted || !isRetryable(error) || !budget.canRetry()) throw error;
      context.onRetry?.(blob.digest, budget.used, error);
      await abortableDelay(backoffDelay(budget.policy, budget.used), call.signal).catch(() => undefined);
      throwIfAborted(call, `copy of blob ${blob.digest} to ${context.target.name}/${context.targetRepository}`, context.target.name);
    }
  }
}

/**
 * Same registry: mount from the source repository. Otherwise from a repository of the target that this run gave
 * the blob; when one is being given it right now, wait for that upload and mount from it. When nobody has it, this
 * copy claims the upload (in the same synchronous step as the last look, so two copies never both claim it).
 */
async function route(context: BlobCopyContext, digest: string): Promise<Route> {
  const { source, sourceRepository, target, targetRepository, holders } = context;
  if (!canMount(target)) return { kind: 'upload', settle: null };
  if (sameRegistry(source, target) && sourceRepository !== targetRepository)
    return { kind: 'mount', from: sourceRepository, holder: false };
  if (holders === undefined) return { kind: 'upload', settle: null };
  for (;;) {
    const holder = holders.holderOtherThan(target.name, targetRepository, digest);
    if (holder !== null) return { kind: 'mount', from: holder, holder: true };
    const running = holders.uploadInProgress(target.name, digest);
    if (running === null) return { kind: 'upload', settle: holders.claimUpload(target.name, targetRepository, digest) };
    // Landed: the next look finds the holder. Failed: this copy may claim the upload itself.
    await running;
    throwIfAborted(context, `copy of blob ${digest} to ${target.name}/${targetRepository}`, target.name);
  }
}

/**
 * This run placed the blob in another repository of the target registry, or is placing it there now: it will be
 * mounted from there, and a mount is one request whether or not this repository has the blob already.
 */
function mountableFromThisRun(context: BlobCopyContext, digest: string): boolean {
  const { target, targetRepository, holders } = context;
  if (holders === undefined || !canMount(target)) return false;
  return holders.holderOtherThan(target.name, targetRepository, digest) !== null || holders.uploadInProgress(target.name, digest) !== null;
}

async function transfer(context: BlobCopyContext, blob: Descriptor): Promise<BlobCopyResult> {
  const { target, targetRepository, holders } = context;
  const call = { signal: context.signal };
  // Placed in this repository earlier in the run: not even a HEAD. Mountable from another: the mount asks for us.
  if (holders?.holds(target.name, targetRepository, blob.digest)) return { outcome: 'skipped', bytes: 0 };
  if (!mountableFromThisRun(context, blob.digest) && (await target.headBlob(targetRepository, blob.digest, call))) {
    holders?.add(target.name, targetRepository, blob.digest);
    return { outcome: 'skipped', bytes: 0 };
  }
  const way = await route(context, blob.digest);
  let session: UploadSession | null = null;
  if (way.kind === 'mount' && canMount(target)) {
    const mount = await target.mountBlob(targetRepository, blob.digest, way.from, call).catch((error: unknown) => {
      if (way.holder && isMountUnsupported(error)) return { mounted: false as const, session: null };
      throw error;
    });
    if (mount.mounted) {
      holders?.add(target.name, targetRepository, blob.digest);
      return { outcome: 'mounted', bytes: 0 };
    }
    session = mount.session;
  }
  const settle = way.kind === 'upload' ? way.settle : null;
  try {
    const bytes = await upload(context, blob, session);
    holders?.add(target.name, targetRepository, blob.digest);
    settle?.(true);
    return { outcome: 'copied', bytes };
  } catch (error) {
    settle?.(false);
    throw error;
  }
}

/**
 * Gets one blob into the target repository by the cheapest rung of the ladder: already there →
 * skip; in another repository of the target registry (the source's, or one this run gave it) →
 * cross-repository mount; otherwise stream GET → upload (verified by the target as it flows),
 * restarted from the first byte. Concurrent calls (sharing `context.shares`) for the same target repository and
 * digest share one transfer; with `holders`, concurrent calls for the same target registry and digest share one
 * upload (the others mount once it landed).
 */
export async function copyBlob(context: BlobCopyContext, blob: Descriptor): Promise<BlobCopyResult> {
  let result: BlobCopyResult = { outcome: 'shared', bytes: 0 };
  const key = CopyShares.key(context.target.name, context.targetRepository, blob.digest);
  const work = context.shares.blobs.run(key, async () => {
    result = await transfer(context, blob);
  });
  await work.promise;
  return result;
}
