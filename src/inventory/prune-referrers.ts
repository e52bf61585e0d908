import type { MirrorConfig } from '../config/types.js';
import type { PrunedReferrerFacts, PrunedReferrersFacts } from '../plan/prune-referrers.js';
import type { Change, ReadFailure } from '../plan/types.js';
import { registryAt } from '../registry/index.js';
import type { RegistryPool } from '../registry/index.js';
import { CancelledError } from '../util/concurrency.js';
import { isRegsyncError, RegsyncError } from '../util/errors.js';
import { mapLimited } from '../util/map-limited.js';
import { failsTheHost } from './failures.js';
import { discoverReferrers } from './referrers.js';
import type { ReferrerCounter } from './referrers.js';

/** Deleted images whose referrers are listed at once. */
const CONCURRENCY = 8;

/**
 * For each tag delete prune makes in a mirror that copies referrers (pruneSubjects), what the destination lists as
 * referrers of the deleted digest, as a client reads them (referrers API, else the `sha256-<hex>` fallback tag), and
 * recursively the referrers of those, of the artifact types the mirror copies. A failed listing fails the destination
 * repository (its changes are left out: a prune must not run on a partial view), unless it condemns the host.
 */
export async function gatherPrunedReferrers(
  deletes: readonly Change[],
  mirrors: readonly MirrorConfig[],
  pool: RegistryPool,
  signal: AbortSignal,
): Promise<PrunedReferrersFacts> {
  const byName = new Map(mirrors.filter((mirror) => mirror.referrers !== null && mirror.prune).map((mirror) => [mirror.name, mirror]));
  const counter: ReferrerCounter = { listings: 0 };
  const failures = new Map<string, ReadFailure>();
  const read = async (image: Change): Promise<PrunedReferrerFacts | null> => {
    const mirror = byName.get(image.mirror);
    const digest = image.target.digest;
    if (mirror === undefined || digest === null) return null;
    const { target } = image;
    try {
      const destination = registryAt(pool, mirror.destination);
      const referrers = await discoverReferrers(destination, target.repository, [digest], mirror.referrers!, counter, signal);
      return { image: image.id, referrers };
    } catch (error) {
      if (signal.aborted || error instanceof CancelledError || (isRegsyncError(error) && error.code === 'ABORTED')) throw error;
      const why = error instanceof Error ? error.message : String(error);
      const what = `cannot list the referrers of ${target.endpoint}/${target.repository}@${digest} before pruning it: ${why}`;
      if (failsTheHost(error)) {
        throw new RegsyncError(`mirror ${image.mirror}: ${what}`, {
          code: isRegsyncError(error) ? error.code : 'REGISTRY',
          cause: error,
          host: target.endpoint,
          repository: target.repository,
        });
      }
      const key = `${image.mirror}\0${target.endpoint}\0${target.repository}`;
      if (!failures.has(key))
        failures.set(key, { mirror: image.mirror, host: target.endpoint, repository: target.repository, error: what });
      return null;
    }
  };
  const found = await mapLimited(deletes, CONCURRENCY, read);
  return {
    images: found.filter((facts): facts is PrunedReferrerFacts => facts !== null),
    listings: counter.listings,
    failures: [...failures.values()],
  };
}
