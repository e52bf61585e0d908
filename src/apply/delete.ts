import type { Change } from '../plan/types.js';
import { canDelete } from '../registry/index.js';
import { createLimiter } from '../util/concurrency.js';
import { RegsyncError } from '../util/errors.js';
import type { ResolvedChange } from './locations.js';
import { deleteOperation, digestRef } from './operations.js';
import type { ResolvedLocation } from './types.js';

/** Tag → digest of one destination repository, read once per run when its first delete comes up. */
type TagDigests = Map<string, string | null>;

const HEAD_CONCURRENCY = 8;

async function readTagDigests(target: ResolvedLocation, signal: AbortSignal): Promise<TagDigests> {
  signal.throwIfAborted();
  const tags = await target.registry.listTags(target.repository, { signal });
  const limiter = createLimiter(HEAD_CONCURRENCY);
  const entries = await Promise.all(
    tags.map((tag) =>
      limiter.run(async () => {
        signal.throwIfAborted();
        return [tag, (await target.registry.headManifest(target.repository, tag, { signal }))?.digest ?? null] as const;
      }),
    ),
  );
  return new Map(entries);
}

/**
 * Registries delete manifests by digest, which removes every tag pointing at it. A delete runs after every copy
 * of the run, and only when each other tag at that digest is itself planned for deletion: a tag created by this
 * run (or pushed by someone else since the plan) is never taken with it.
 */
export function createDeleter(changes: Change[]): (resolved: ResolvedChange, signal: AbortSignal) => Promise<void> {
  const planned = new Set(changes.filter((change) => change.action === 'delete').map((change) => change.target.ref));
  const byId = new Map(changes.map((change) => [change.id, change]));
  const snapshots = new Map<string, Promise<TagDigests>>();
  return (resolved, signal) => runDelete(resolved, { planned, snapshots, byId }, signal);
}

interface DeleteRun {
  planned: ReadonlySet<string>;
  snapshots: Map<string, Promise<TagDigests>>;
  /** Every change of the run by id: a referrer delete names its image's delete (`referrerOf`). */
  byId: ReadonlyMap<string, Change>;
}

/** Tags other than `except` at `digest` that no delete of this run removes: a delete by digest would take them too. */
function sharingTags(
  run: DeleteRun,
  tags: TagDigests,
  target: { endpoint: string; repository: string },
  digest: string,
  except: string | null,
): string[] {
  const base = `${target.endpoint}/${target.repository}`;
  return [...tags].filter(([tag, at]) => at === digest && tag !== except && !run.planned.has(`${base}:${tag}`)).map(([tag]) => tag);
}

/**
 * A referrer deleted with its pruned image (`subject` set): only when the image's own delete will stand, checked
 * first against the same tags (its tag still names the planned digest, no other tag keeps it), and only a manifest
 * whose `subject` really is the one planned: the listing it was found by (a fallback index) is written by anyone,
 * and an edited plan file must not name another untagged manifest (a kept image's signature, an index's child).
 */
async function referrerDeleteStale(
  resolved: ResolvedChange,
  run: DeleteRun,
  tags: TagDigests,
  signal: AbortSignal,
): Promise<string | null> {
  const { change, target } = resolved;
  const image = change.referrerOf === undefined ? undefined : run.byId.get(change.referrerOf);
  if (image === undefined || image.action !== 'delete' || image.target.tag === null || image.target.digest === null)
    return `its image's delete (${change.referrerOf ?? 'none'}) is not in this run`;
  if (tags.get(image.target.tag) !== image.target.digest) return `its image ${image.target.ref} no longer points at ${image.target.digest}`;
  const keeping = sharingTags(run, tags, image.target, image.target.digest, image.target.tag);
  if (keeping.length > 0) return `its image's digest is also tagged ${keeping.join(', ')}, so the image stays`;
  const fetched = await target.registry.getManifest(target.repository, change.target.digest!, { signal });
  const subject = fetched.manifest.subject?.digest ?? null;
  if (subject !== change.subject) return `its manifest refers to ${subject ?? 'nothing'}, not to ${change.subject ?? 'nothing'}`;
  return null;
}

/** Carries out one delete operation (the value --dry-run prints): the guard against other tags, then the DELETE. */
async function runDelete(resolved: ResolvedChange, run: DeleteRun, signal: AbortSignal): Promise<void> {
  const { change, target } = resolved;
  const operation = deleteOperation(change);
  const { digest } = operation;
  if (!canDelete(target.registry)) {
    throw new RegsyncError(`${target.registry.name} cannot delete manifests: ${change.target.ref} was not deleted`, {
      code: 'UNSUPPORTED',
      host: target.registry.name,
      reference: change.target.ref,
    });
  }
  const key = `${target.scheme}\u0000${target.location}\u0000${target.repository}`;
  let snapshot = run.snapshots.get(key);
  if (snapshot === undefined) {
    snapshot = readTagDigests(target, signal);
    run.snapshots.set(key, snapshot);
  }
  const tags = await snapshot;
  if (change.subject !== undefined) {
    const stale = await referrerDeleteStale(resolved, run, tags, signal);
    if (stale !== null) {
      throw new RegsyncError(`not deleted: ${digestRef(operation.target, digest)}: ${stale}: run regsync plan again`, {
        code: 'PLAN_STALE',
        host: target.registry.name,
        reference: change.target.ref,
      });
    }
  }
  const sharing = sharingTags(run, tags, operation.target, digest, operation.tag);
  if (sharing.length > 0) {
    throw new RegsyncError(
      `not deleted: ${digestRef(operation.target, digest)} is also tagged ${sharing.join(', ')}, which a delete by digest would remove too: run regsync plan again`,
      { code: 'PLAN_STALE', host: target.registry.name, reference: change.target.ref },
    );
  }
  signal.throwIfAborted();
  await target.registry.deleteManifest(target.repository, digest, { signal });
}
