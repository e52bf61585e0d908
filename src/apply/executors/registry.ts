import { shortDigest } from '../../oci/index.js';
import type { Change } from '../../plan/types.js';
import { BlobHolders, copyImage, CopyShares, selectPlatforms } from '../../registry/index.js';
import type { CopyProgressEvent } from '../../registry/index.js';
import { RegsyncError } from '../../util/errors.js';
import { formatBytes } from '../progress-format.js';
import { copyOperation } from '../operations.js';
import type { ExecutionContext, Executor, ExecutorFactory } from '../types.js';

function progressLine(event: CopyProgressEvent, change: Change): string | null {
  if (event.type === 'blob') return `blob ${shortDigest(event.digest)} ${event.outcome} (${formatBytes(event.size)})`;
  if (event.type === 'manifest') {
    // A referrer change pushes its manifest by digest; an index pushes its children by digest.
    const by = change.subject !== undefined && event.reference === change.source?.digest ? 'by digest' : 'as a child';
    return `manifest ${shortDigest(event.digest)} pushed ${event.reference.startsWith('sha256:') ? by : `as ${event.reference}`}`;
  }
  if (event.type === 'retry') return `retry ${event.attempt} of blob ${shortDigest(event.digest)}: ${event.message}`;
  return null;
}

/** The digest the copy puts under the tag: the source digest, or the subset index built from the source bytes. */
async function expectedDigest(change: Change, context: ExecutionContext): Promise<string> {
  const source = change.source!;
  const platforms = change.copy?.platforms ?? null;
  if (platforms === null) return source.digest;
  const fetched = await context.source.registry.getManifest(context.source.repository, source.digest, { signal: context.signal });
  return selectPlatforms(fetched, platforms, source.ref).descriptor.digest;
}

/**
 * A destination with immutable tags (ECR, Harbor, Artifactory) refuses a tag write that a retry repeats after the
 * first attempt landed: when the tag already holds exactly the digest this copy writes, the change is done.
 */
async function alreadyLanded(change: Change, context: ExecutionContext): Promise<boolean> {
  if (context.signal.aborted || context.target.tag === null) return false;
  try {
    const [expected, now] = await Promise.all([
      expectedDigest(change, context),
      context.target.registry.headManifest(context.target.repository, context.target.tag, { signal: context.signal }),
    ]);
    return now?.digest === expected;
  } catch {
    return false;
  }
}

/**
 * A referrer change copies a manifest that names its subject itself: the plan's `subject` must be what the manifest
 * says (a plan file cannot be edited to file a manifest under another image's referrers).
 */
async function checkSubject(change: Change, context: ExecutionContext): Promise<void> {
  if (change.subject === undefined) return;
  const fetched = await context.source.registry.getManifest(context.source.repository, change.source!.digest, { signal: context.signal });
  const named = fetched.manifest.subject?.digest ?? null;
  if (named !== change.subject) {
    throw new RegsyncError(
      `${change.source!.ref} refers to ${named ?? 'nothing'}, not to ${change.subject} as the plan says: run regsync plan again`,
      {
        code: 'PLAN_INVALID',
        reference: change.source!.ref,
      },
    );
  }
}

async function copy(change: Change, context: ExecutionContext, holders: BlobHolders, shares: CopyShares): Promise<{ bytes: number }> {
  // The operation --dry-run prints is the one carried out here.
  const operation = copyOperation(change);
  const { tag } = operation;
  context.signal.throwIfAborted();
  await checkSubject(change, context);
  let bytes = 0;
  try {
    const result = await copyImage({
      source: context.source.registry,
      sourceRepository: context.source.repository,
      // By digest: what was reviewed is exactly what lands, even if the tag moves during the copy.
      sourceReference: operation.source.digest,
      target: context.target.registry,
      targetRepository: context.target.repository,
      targetTag: tag,
      platforms: operation.platforms,
      // Every registry call of the copy takes it: an interrupt aborts requests and body streams in flight.
      signal: context.signal,
      holders,
      shares,
      onProgress: (event) => {
        if (event.type === 'warning') context.progress.warning(event.message);
        if (event.type === 'blob') context.progress.bytes((bytes += event.outcome === 'copied' ? event.size : 0));
        const line = progressLine(event, change);
        if (line !== null) context.progress.output(line);
      },
    });
    bytes = result.bytesCopied;
  } catch (error) {
    if (!(await alreadyLanded(change, context))) throw error;
    const why = error instanceof Error ? error.message : String(error);
    context.progress.output(`the tag write was refused (${why}), but ${change.target.ref} already holds the planned digest`);
  }
  return { bytes };
}

/**
 * Direct registry-to-registry (or ocidir) copies through copyImage: manifests byte for byte, blobs by the copy ladder.
 * One executor serves one apply run, and its blob record spans the run: a layer that many repositories of one
 * destination share is uploaded once and mounted into the rest.
 */
export const createRegistryExecutor: ExecutorFactory = (deps): Executor => {
  const holders = deps.copyState?.holders ?? new BlobHolders();
  const shares = deps.copyState?.shares ?? new CopyShares();
  return {
    name: 'registry',
    prepare: () => Promise.resolve(),
    describe: (change) => [copyOperation(change)],
    copy: (change, context) => copy(change, context, holders, shares),
    close: () => Promise.resolve(),
  };
};
