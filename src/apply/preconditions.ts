import { shortDigest } from '../oci/index.js';
import { digestAfterApply } from '../plan/landing.js';
import type { Change } from '../plan/types.js';
import type { ResolvedChange } from './locations.js';
import type { ResolvedLocation } from './types.js';

/**
 * What the compare-and-swap check found before a change runs:
 * `go` — both ends are as planned; `done` — the destination already is what the change would make it;
 * `stale` — an end moved since the plan (not applied); `failed` — the source tag is gone.
 */
export type Precondition = { kind: 'go' } | { kind: 'done' } | { kind: 'stale'; message: string } | { kind: 'failed'; message: string };

const short = (digest: string | null): string => (digest === null ? 'nothing' : shortDigest(digest));
const AGAIN = 'run regsync plan again';

/**
 * A referrer change's digest (both its ends are named by it: the one it copies, or for a referrer pruned with its
 * subject, the one it deletes); null for a change of a tag.
 */
const referrerDigest = (change: Change): string | null =>
  change.subject === undefined ? null : (change.source?.digest ?? change.target.digest);

/** The digest at a change's end: under its tag, or, for a referrer change (named by digest alone), whether that digest is there. */
async function digestAt(end: ResolvedLocation, signal: AbortSignal, byDigest: string | null): Promise<string | null> {
  signal.throwIfAborted();
  const reference = end.tag ?? byDigest;
  if (reference === null) return null;
  return (await end.registry.headManifest(end.repository, reference, { signal }))?.digest ?? null;
}

async function checkSource(resolved: ResolvedChange, signal: AbortSignal): Promise<Precondition | null> {
  const { change, source } = resolved;
  if (change.source === null || source === null) return null;
  const now = await digestAt(source, signal, referrerDigest(change));
  if (now === null)
    return { kind: 'failed', message: `source ${change.source.ref} no longer exists (deleted since the plan was made): nothing copied` };
  if (now !== change.source.digest)
    return {
      kind: 'stale',
      message: `source ${change.source.ref} now points at ${short(now)}, the plan copies ${short(change.source.digest)}: ${AGAIN}`,
    };
  return null;
}

function destinationMoved(change: Change, now: string | null): string {
  const ref = change.target.ref;
  if (change.target.digest === null) return `destination ${ref} now exists (${short(now)}), the plan expected no tag there: ${AGAIN}`;
  if (now === null) return `destination ${ref} no longer exists, the plan expected ${short(change.target.digest)}: ${AGAIN}`;
  return `destination ${ref} now points at ${short(now)}, the plan expected ${short(change.target.digest)}: ${AGAIN}`;
}

/** Re-reads both ends of a change just before it runs; registry errors propagate (the change then fails). */
export async function checkPreconditions(resolved: ResolvedChange, signal: AbortSignal): Promise<Precondition> {
  const { change } = resolved;
  // Both ends at once, one round trip before each change instead of two; the source's answer (or failure) still
  // comes first, as when they were read in turn.
  const [source, destination] = await Promise.allSettled([
    checkSource(resolved, signal),
    digestAt(resolved.target, signal, referrerDigest(change)),
  ]);
  if (source.status === 'rejected') throw source.reason;
  if (source.value !== null) return source.value;
  if (destination.status === 'rejected') throw destination.reason;
  const now = destination.value;
  if (change.action === 'delete' && now === null) return { kind: 'done' };
  if (change.action !== 'delete' && now !== null && now === digestAfterApply(change)) return { kind: 'done' };
  if (now !== change.target.digest) return { kind: 'stale', message: destinationMoved(change, now) };
  return { kind: 'go' };
}
