import { setTimeout as sleep } from 'node:timers/promises';
import { shortDigest } from '../oci/index.js';
import type { ReferrerCopy } from '../plan/types.js';
import { fallbackTag } from '../registry/index.js';
import type { Registry, RegistryReader } from '../registry/index.js';
import { isRegsyncError, RegsyncError } from '../util/errors.js';
import { settleDelay } from './fallback-settle.js';
import type { ExecutionContext } from './types.js';

/**
 * The `sha256-<hex>` fallback index at a destination without the OCI 1.1 referrers API: copied from the source
 * when it lists exactly our referrers, else merged (read, add ours, write), then settled and read back.
 *
 * Why a settle: registries have no conditional write for manifests, so a read-modify-write can lose an entry. A
 * reads [x], B reads [x], A writes [x,a], B writes [x,b]: `a` is gone, and an immediate read-back by A does not
 * see it when B's write lands after that read. B's write can only land within one read-modify-write of B's read,
 * and B read before A's write. So A waits longer than a read-modify-write takes (fallback-settle.ts: measured,
 * jittered, with a floor), then reads again: a stale write that lost `a` has landed by then, and A merges again.
 * A writer is done when its entries are present AND the index has not changed over a whole settle (the digest
 * read equals the one written or read one settle earlier): any writer that read before that window has written
 * within it, and any writer that reads after it sees our entries. Otherwise it merges again (or just watches
 * another round when the index changed but still holds ours), a bounded number of rounds with growing waits.
 *
 * The cost: one settle per change that wrote a fallback index (its subjects wait together, not one after the
 * other), none when the index already listed everything, none at a destination with the referrers API (no
 * fallback index is written there), and none for a fallback tag the plan copies as a tag (below).
 */

const INDEX = 'application/vnd.oci.image.index.v1+json';
/** Read-back rounds after the first write before giving up on an index other writers keep changing. */
const MAX_ROUNDS = 6;

type Entry = { digest: string } & Record<string, unknown>;

/** A fallback index as read: its digest (null when the tag is absent) and its entries exactly as written. */
interface IndexState {
  digest: string | null;
  entries: Entry[];
}

/** A fallback index we wrote and must watch: the digest last written or read there. */
interface Watched {
  tag: string;
  ours: ReferrerCopy[];
  last: string;
}

/** The slowest read-modify-write measured in this maintenance, which sets the settle. */
class Slowest {
  ms = 0;
  note(started: number): void {
    this.ms = Math.max(this.ms, performance.now() - started);
  }
}

/** Whether the plan copies `subject`'s fallback tag as a tag into the change's target repository. */
function ownedByTagCopy(context: ExecutionContext, subject: string): boolean {
  return context.tagsCopied?.has(fallbackTag(subject)) ?? false;
}

/**
 * Read-modify-write of a destination's fallback index, as the OCI 1.1 distribution spec asks of clients: entries
 * another writer put there are kept, ours are added, and after a settle the index is read back and merged again
 * while ours are missing, so a concurrent writer's stale write does not lose them (see the top of this file).
 */
export async function mergeFallbackIndex(
  registry: Registry,
  repository: string,
  subject: string,
  ours: ReferrerCopy[],
  signal: AbortSignal,
): Promise<void> {
  const slowest = new Slowest();
  const watched = await mergeOnce(registry, repository, fallbackTag(subject), ours, slowest, signal);
  if (watched !== null) await settle(registry, repository, [watched], slowest, signal);
}

/**
 * Every fallback index of one change at once: each subject's first write (the source's bytes when they list
 * exactly ours and the destination has none, else a merge) in parallel, then one settle for all of them and the
 * read-back rounds. Resolves with the subjects whose fallback tag the plan copies as a tag (left alone here).
 */
export async function maintainFallbackIndexes(
  context: ExecutionContext,
  bySubject: ReadonlyMap<string, ReferrerCopy[]>,
): Promise<Set<string>> {
  const { target, signal } = context;
  const owned = new Set<string>();
  const slowest = new Slowest();
  const watched = await Promise.all(
    [...bySubject].map(async ([subject, ours]): Promise<Watched | null> => {
      if (ownedByTagCopy(context, subject)) {
        owned.add(subject);
        return null;
      }
      const tag = fallbackTag(subject);
      const started = performance.now();
      const state = await readEntries(target.registry, target.repository, tag, signal);
      const copied = state.entries.length === 0 ? await copyFromSource(context, tag, ours) : null;
      if (copied !== null) {
        slowest.note(started);
        return { tag, ours, last: copied };
      }
      return mergeOnce(target.registry, target.repository, tag, ours, slowest, signal, { state, started });
    }),
  );
  await settle(
    target.registry,
    target.repository,
    watched.filter((item): item is Watched => item !== null),
    slowest,
    signal,
  );
  return owned;
}

/**
 * The proof for a subject whose fallback tag the plan copies as the source has it: a referrer counts as present
 * when the destination stores it by digest, and when the source's own fallback tag lists fewer than were copied,
 * a warning says what a client listing through that tag sees.
 */
export async function presentByDigest(
  context: ExecutionContext,
  subject: string,
  expected: ReferrerCopy[],
): Promise<{ present: Set<string>; warning: string | null }> {
  const { source, target, signal } = context;
  const present = new Set<string>();
  await Promise.all(
    expected.map(async (referrer) => {
      if ((await target.registry.headManifest(target.repository, referrer.digest, { signal })) !== null) present.add(referrer.digest);
    }),
  );
  const tag = fallbackTag(subject);
  const listed = new Set((await readEntries(source.registry, source.repository, tag, signal)).entries.map((entry) => entry.digest));
  const unlisted = expected.filter((referrer) => !listed.has(referrer.digest));
  if (unlisted.length === 0) return { present, warning: null };
  const shown = expected.length - unlisted.length;
  return {
    present,
    warning:
      `fallback tag ${tag} is the source's own, mirrored as it is: it lists ${shown} of the ${expected.length} ` +
      `referrers of ${shortDigest(subject)}, so a client without the referrers API sees ${shown} ` +
      `(the others are stored by digest: ${unlisted.map((referrer) => referrer.digest).join(', ')})`,
  };
}

/** The source's fallback index, written as it is when it lists exactly `ours`; the digest written, else null. */
async function copyFromSource(context: ExecutionContext, tag: string, ours: ReferrerCopy[]): Promise<string | null> {
  const { source, target, signal } = context;
  let fetched;
  try {
    fetched = await source.registry.getManifest(source.repository, tag, { signal });
  } catch (error) {
    if (isRegsyncError(error) && error.code === 'NOT_FOUND') return null;
    throw error;
  }
  if (fetched.manifest.kind !== 'index') return null;
  const listed = new Set(fetched.manifest.manifests.map((entry) => entry.digest));
  const wanted = new Set(ours.map((referrer) => referrer.digest));
  if (listed.size !== wanted.size || [...listed].some((digest) => !wanted.has(digest))) return null;
  return target.registry.putManifest(target.repository, tag, fetched.bytes, fetched.manifest.mediaType, { signal });
}

/** One read-modify-write: ours that the index lacks are added. Null when none was missing (nothing written). */
async function mergeOnce(
  registry: Registry,
  repository: string,
  tag: string,
  ours: ReferrerCopy[],
  slowest: Slowest,
  signal: AbortSignal,
  read?: { state: IndexState; started: number },
): Promise<Watched | null> {
  const started = read?.started ?? performance.now();
  const state = read?.state ?? (await readEntries(registry, repository, tag, signal));
  const missing = missingFrom(state, ours);
  if (missing.length === 0) return null;
  const last = await writeMerged(registry, repository, tag, state.entries, missing, signal);
  slowest.note(started);
  return { tag, ours, last };
}

/**
 * Settle and read back until every watched index holds ours and stayed unchanged over a whole settle; merges again
 * where ours went missing. After MAX_ROUNDS, ours must at least be present, else the apply fails naming the index.
 */
async function settle(registry: Registry, repository: string, watched: Watched[], slowest: Slowest, signal: AbortSignal): Promise<void> {
  let pending = watched;
  for (let round = 0; pending.length > 0 && round < MAX_ROUNDS; round += 1) {
    await sleep(settleDelay(slowest.ms, round), undefined, { signal });
    const next = await Promise.all(pending.map((item) => readBack(registry, repository, item, slowest, signal)));
    pending = next.filter((item): item is Watched => item !== null);
  }
  for (const item of pending) {
    const lost = missingFrom(await readEntries(registry, repository, item.tag, signal), item.ours);
    if (lost.length > 0) {
      throw new RegsyncError(
        `${registry.name}/${repository}:${item.tag} keeps changing under other writers: ${lost.length} referrer(s) not recorded`,
        { code: 'REGISTRY', host: registry.name, repository },
      );
    }
  }
}

/** One read-back: null when settled (ours present, unchanged since last seen); else what to watch next round. */
async function readBack(
  registry: Registry,
  repository: string,
  item: Watched,
  slowest: Slowest,
  signal: AbortSignal,
): Promise<Watched | null> {
  const started = performance.now();
  const state = await readEntries(registry, repository, item.tag, signal);
  const missing = missingFrom(state, item.ours);
  if (missing.length === 0) return state.digest === item.last ? null : { ...item, last: state.digest! };
  const last = await writeMerged(registry, repository, item.tag, state.entries, missing, signal);
  slowest.note(started);
  return { ...item, last };
}

function missingFrom(state: IndexState, ours: ReferrerCopy[]): ReferrerCopy[] {
  const have = new Set(state.entries.map((entry) => entry.digest));
  return ours.filter((referrer) => !have.has(referrer.digest));
}

/** Writes the index read plus the missing descriptors (entries others put there kept as written); its digest. */
function writeMerged(
  registry: Registry,
  repository: string,
  tag: string,
  entries: Entry[],
  adding: ReferrerCopy[],
  signal: AbortSignal,
): Promise<string> {
  const merged = [
    ...entries,
    ...adding.map(({ mediaType, digest, size, artifactType }) => ({
      mediaType,
      digest,
      size,
      ...(artifactType === null ? {} : { artifactType }),
    })),
  ];
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: merged }));
  return registry.putManifest(repository, tag, bytes, INDEX, { signal });
}

/**
 * The fallback index as it is now: one GET (a HEAD first would widen the window between our read and our write).
 * Entries exactly as written (unknown fields kept); none when the tag is absent or not an index.
 */
async function readEntries(registry: RegistryReader, repository: string, tag: string, signal: AbortSignal): Promise<IndexState> {
  let fetched;
  try {
    fetched = await registry.getManifest(repository, tag, { signal });
  } catch (error) {
    if (isRegsyncError(error) && error.code === 'NOT_FOUND') return { digest: null, entries: [] };
    throw error;
  }
  if (fetched.manifest.kind !== 'index') return { digest: fetched.descriptor.digest, entries: [] };
  const document = JSON.parse(fetched.bytes.toString('utf8')) as { manifests?: unknown };
  const entries = Array.isArray(document.manifests)
    ? (document.manifests as unknown[]).filter(
        (entry): entry is Entry =>
          typeof entry === 'object' && entry !== null && typeof (entry as { digest?: unknown }).digest === 'string',
      )
    : [];
  return { digest: fetched.descriptor.digest, entries };
}
