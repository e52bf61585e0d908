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
  const snapshots = new Map<string, Promise<TagDigests>>();
  return (resolved, signal) => runDelete(resolved, { planned, snapshots }, signal);
}

/** Carries out one delete operation (the value --dry-run prints): the guard against other tags, then the DELETE. */
async function runDelete(
  resolved: ResolvedChange,
  run: { planned: ReadonlySet<string>; snapshots: Map<string, Promise<TagDigests>> },
  signal: AbortSignal,
): Promise<void> {
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
  const base = `${operation.target.endpoint}/${operation.target.repository}`;
  const sharing = [...(await snapshot)]
    .filter(([tag, at]) => at === digest && tag !== operation.tag && !run.planned.has(`${base}:${tag}`))
    .map(([tag]) => tag);
  if (sharing.length > 0) {
    throw new RegsyncError(
      `not deleted: ${digestRef(operation.target, digest)} is also tagged ${sharing.join(', ')}, which a delete by digest would remove too: run regsync plan again`,
      { code: 'PLAN_STALE', host: target.registry.name, reference: change.target.ref },
    );
  }
  signal.throwIfAborted();
  await target.registry.deleteManifest(target.repository, digest, { signal });
}
