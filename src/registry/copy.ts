import { RegsyncError } from '../util/errors.js';
import { createLimiter } from '../util/concurrency.js';
import { copyBlob, sameRegistry } from './copy-blob.js';
import { ensureChildManifest, putTaggedManifest } from './copy-manifest.js';
import type { BlobHolders } from './blob-holders.js';
import { CopyShares } from './copy-shares.js';
import type { BlobCopyContext, BlobOutcome } from './copy-blob.js';
import { isDigest, manifestBlobs, sha256Digest } from '../oci/index.js';
import { selectPlatforms } from './copy-platforms.js';
import { canAnnounceCopy, MEDIA_TYPES } from './types.js';
import { explainRefusal } from './config-less-refusal.js';
import { throwIfAborted } from './abort.js';
import type { Descriptor, FetchedManifest, Registry } from './types.js';

/** What copyImage reports as it goes, for progress output. */
export type CopyProgressEvent =
  | { type: 'blob'; digest: string; size: number; outcome: BlobOutcome }
  | { type: 'manifest'; digest: string; mediaType: string; reference: string }
  | { type: 'retry'; digest: string; attempt: number; message: string }
  /** Content copied as it is although it breaks a rule the digest does not cover (a descriptor's size, a media type). */
  | { type: 'warning'; message: string };

export interface CopyImageOptions {
  source: Registry;
  sourceRepository: string;
  /** A tag or a digest. */
  sourceReference: string;
  target: Registry;
  targetRepository: string;
  targetTag: string;
  /** "os/arch[/variant]" to keep from an index; null or absent keeps every child. */
  platforms?: string[] | null;
  onProgress?: (event: CopyProgressEvent) => void;
  /**
   * Stops the copy: requests and streams in flight abort, and it rejects with an ABORTED RegsyncError. The
   * tag is written last, so an aborted copy never leaves a tag over a partial image.
   */
  signal?: AbortSignal;
  /**
   * The run's record of which target repositories hold which blob: pass one record to every copy of a run, and a
   * blob several copies need in one registry is uploaded once and mounted into the other repositories.
   */
  holders?: BlobHolders;
  /**
   * The run's in-flight copies: pass one to every copy of a run, and concurrent copies of one blob or manifest into
   * one repository send it once (the others wait for it). Without it, a copy shares only with itself.
   */
  shares?: CopyShares;
}

export interface CopyImageResult {
  /** The digest now at targetTag: the source digest, or a new one when a platform subset was written. */
  digest: string;
  mediaType: string;
  blobsCopied: number;
  blobsMounted: number;
  /** Already at the target, or moved by a concurrent copy of the same blob. */
  blobsSkipped: number;
  bytesCopied: number;
}

/** Blobs of one manifest moved at once; the client's per-host cap bounds the total. */
const BLOB_CONCURRENCY = 4;
const CHILD_CONCURRENCY = 2;

interface CopyRun {
  options: CopyImageOptions;
  shares: CopyShares;
  blobContext: BlobCopyContext;
  result: CopyImageResult;
}

function mismatch(run: CopyRun, reference: string, expected: string, actual: string, where: string): RegsyncError {
  const { sourceRepository, targetRepository } = run.options;
  const repository = where === 'source' ? sourceRepository : targetRepository;
  const host = where === 'source' ? run.options.source.name : run.options.target.name;
  return new RegsyncError(
    `manifest ${host}/${repository}@${reference} does not match its digest (expected ${expected}, got ${actual}): nothing was tagged; retry, and report the registry if it persists`,
    {
      code: 'DIGEST_MISMATCH',
      host,
      repository,
      reference,
    },
  );
}

/**
 * Fetches a manifest and proves its bytes are the ones its digest names. The copy hashes them here only: the
 * descriptor handed on carries the digest just computed, which the PUT then checks the target against.
 */
async function fetchVerified(run: CopyRun, reference: string, expectedDigest: string | null): Promise<FetchedManifest> {
  const fetched = await run.options.source.getManifest(run.options.sourceRepository, reference, { signal: run.options.signal });
  const actual = sha256Digest(fetched.bytes);
  const expected = expectedDigest ?? fetched.descriptor.digest;
  if (actual !== expected) throw mismatch(run, reference, expected, actual, 'source');
  return { ...fetched, descriptor: { ...fetched.descriptor, digest: actual } };
}

/**
 * Runs the parts of a copy, `limit` at a time; after the first failure no further part starts, and it throws
 * once the running ones have settled. Promise.all would reject at once and leave transfers running with nobody
 * waiting: still retrying after the run closed its clients, and shared (in flight) with the next copy of the same
 * blob, which then inherits their failure.
 */
async function runParts(limit: number, parts: Array<() => Promise<void>>): Promise<void> {
  const limiter = createLimiter(limit);
  let failure: { error: unknown } | null = null;
  await Promise.all(
    parts.map((part) =>
      limiter.run(async () => {
        if (failure !== null) return;
        try {
          await part();
        } catch (error) {
          failure ??= { error };
        }
      }),
    ),
  );
  if (failure !== null) throw (failure as { error: unknown }).error;
}

async function copyBlobs(run: CopyRun, blobs: Descriptor[]): Promise<void> {
  const unique = [...new Map(blobs.map((b) => [b.digest, b])).values()];
  await runParts(
    BLOB_CONCURRENCY,
    unique.map((blob) => async () => {
      const { outcome, bytes } = await copyBlob(run.blobContext, blob);
      if (outcome === 'copied') run.result.blobsCopied += 1;
      else if (outcome === 'mounted') run.result.blobsMounted += 1;
      else run.result.blobsSkipped += 1;
      run.result.bytesCopied += bytes;
      if (outcome === 'copied' && bytes !== blob.size) {
        const message = `blob ${blob.digest} of ${run.options.source.name}/${run.options.sourceRepository} has ${bytes} bytes, its descriptor says ${blob.size}: copied as it is (the digest matches)`;
        run.options.onProgress?.({ type: 'warning', message });
      }
      run.options.onProgress?.({ type: 'blob', digest: blob.digest, size: bytes, outcome });
    }),
  );
}

/**
 * PUTs exact bytes (under a tag, or by digest unless already there) and checks the digest the target stored.
 * `fetched.descriptor.digest` is the bytes' sha256 (fetchVerified, or selectPlatforms for a subset it wrote).
 */
async function putVerified(run: CopyRun, reference: string, fetched: FetchedManifest, mediaType: string): Promise<string> {
  const { target, targetRepository, signal } = run.options;
  const { bytes } = fetched;
  const expected = fetched.descriptor.digest;
  const call = { signal };
  const put = (): Promise<string> =>
    reference === expected
      ? ensureChildManifest(run.shares, target, targetRepository, expected, bytes, mediaType, call).then((child) => child.digest)
      : putTaggedManifest(run.shares, target, targetRepository, reference, bytes, mediaType, expected, call);
  const stored = await put().catch((error: unknown) => {
    throw explainRefusal(error, fetched.manifest);
  });
  if (stored !== expected) throw mismatch(run, reference, expected, stored, 'target');
  run.options.onProgress?.({ type: 'manifest', digest: stored, mediaType, reference });
  return stored;
}

/** Copies everything a manifest refers to (children first, then blobs), not the manifest itself. */
async function copyContent(run: CopyRun, fetched: FetchedManifest): Promise<void> {
  const { manifest } = fetched;
  if (manifest.kind === 'manifest') {
    await copyBlobs(run, manifestBlobs(manifest));
    return;
  }
  await runParts(
    CHILD_CONCURRENCY,
    manifest.manifests.map((child) => () => copyByDigest(run, child.digest)),
  );
}

/**
 * The Content-Type to push a manifest under. A manifest whose body names no mediaType can only be the OCI type of
 * its shape (Docker's types require the field), whatever its descriptor claims: Distribution refuses such an index
 * as a Docker manifest list and accepts it as an OCI index. The bytes, and so the digest, stay as they are.
 */
function pushMediaType(run: CopyRun, fetched: FetchedManifest, reference: string): string {
  const declared = fetched.descriptor.mediaType;
  if (fetched.manifest.declaresMediaType) return declared;
  const oci = fetched.manifest.kind === 'index' ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest;
  if (declared !== oci) {
    const where = `${run.options.source.name}/${run.options.sourceRepository}@${reference}`;
    run.options.onProgress?.({
      type: 'warning',
      message: `manifest ${where} is described as ${declared} but its body names no mediaType: pushed as ${oci}`,
    });
  }
  return oci;
}

async function copyByDigest(run: CopyRun, digest: string): Promise<void> {
  const fetched = await fetchVerified(run, digest, digest);
  await copyContent(run, fetched);
  await putVerified(run, digest, fetched, pushMediaType(run, fetched, digest));
}

/**
 * Copies one image (a manifest or an index with its children) so the target holds byte-identical
 * manifests. Children and blobs land before the manifests that name them, and the tag is PUT
 * last: a failure part way leaves untagged content, never a tag over a partial image.
 */
export async function copyImage(options: CopyImageOptions): Promise<CopyImageResult> {
  const result: CopyImageResult = { digest: '', mediaType: '', blobsCopied: 0, blobsMounted: 0, blobsSkipped: 0, bytesCopied: 0 };
  const shares = options.shares ?? new CopyShares();
  const run: CopyRun = {
    options,
    shares,
    result,
    blobContext: {
      shares,
      source: options.source,
      sourceRepository: options.sourceRepository,
      target: options.target,
      targetRepository: options.targetRepository,
      signal: options.signal,
      holders: options.holders,
      onRetry: (digest, attempt, error) =>
        options.onProgress?.({ type: 'retry', digest, attempt, message: error instanceof Error ? error.message : String(error) }),
    },
  };
  // One token for the whole copy on a token registry: the target is told up front what it will be asked.
  if (canAnnounceCopy(options.target)) {
    const mountable = sameRegistry(options.source, options.target) && options.sourceRepository !== options.targetRepository;
    options.target.announceCopy(options.targetRepository, mountable ? options.sourceRepository : undefined);
  }
  const expected = isDigest(options.sourceReference) ? options.sourceReference : null;
  let top = await fetchVerified(run, options.sourceReference, expected);
  const mediaType = pushMediaType(run, top, options.sourceReference);
  if (top.manifest.kind === 'index' && options.platforms) {
    const subset = selectPlatforms(top, options.platforms, `${options.source.name}/${options.sourceRepository}:${options.sourceReference}`);
    top = subset;
  }
  await copyContent(run, top);
  throwIfAborted(options, `copy of ${options.source.name}/${options.sourceRepository}:${options.sourceReference}`, options.target.name);
  result.digest = await putVerified(run, options.targetTag, top, mediaType);
  result.mediaType = mediaType;
  return result;
}
