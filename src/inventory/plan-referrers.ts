import type { MirrorConfig } from '../config/types.js';
import type { Change, Plan } from '../plan/types.js';
import { registryAt, selectPlatforms } from '../registry/index.js';
import type { RegistryPool } from '../registry/index.js';
import { discoverReferrers } from './referrers.js';
import type { ReferrerCounter } from './referrers.js';

/**
 * Lists, at the source, the referrers of every image a plan creates or updates for a mirror with `referrers` set,
 * and records them on the change (and the listings made in the plan's stats). Mirrors without referrers cost
 * nothing and leave the plan exactly as before.
 */
export async function attachReferrers(plan: Plan, mirrors: MirrorConfig[], pool: RegistryPool, signal?: AbortSignal): Promise<void> {
  const byName = new Map(mirrors.filter((mirror) => mirror.referrers !== null).map((mirror) => [mirror.name, mirror]));
  if (byName.size === 0) return;
  const counter: ReferrerCounter = { listings: 0 };
  for (const change of plan.changes) {
    const mirror = byName.get(change.mirror);
    if (mirror === undefined || (change.action !== 'create' && change.action !== 'update')) continue;
    await attachTo(change, mirror, pool, counter, signal);
  }
  plan.stats.referrerListings = counter.listings;
}

async function attachTo(
  change: Change,
  mirror: MirrorConfig,
  pool: RegistryPool,
  counter: ReferrerCounter,
  signal?: AbortSignal,
): Promise<void> {
  const source = change.source;
  if (source === null || mirror.referrers === null) return;
  const reader = registryAt(pool, mirror.source);
  const call = signal === undefined ? undefined : { signal };
  const fetched = await reader.getManifest(source.repository, source.digest, call);
  let subjects = [source.digest];
  if (fetched.manifest.kind === 'index') {
    const platforms = change.copy?.platforms ?? null;
    if (platforms === null) subjects = [source.digest, ...fetched.manifest.manifests.map((child) => child.digest)];
    else {
      // A subset is a new index: referrers of the source index name a digest the destination will not have.
      const kept = selectPlatforms(fetched, platforms, source.ref);
      subjects = kept.manifest.kind === 'index' ? kept.manifest.manifests.map((child) => child.digest) : [kept.descriptor.digest];
    }
  }
  const referrers = await discoverReferrers(reader, source.repository, subjects, mirror.referrers, counter, signal);
  const dropped =
    subjects[0] === source.digest
      ? []
      : await discoverReferrers(reader, source.repository, [source.digest], mirror.referrers, counter, signal);
  if (dropped.length > 0) {
    change.warnings = [
      ...(change.warnings ?? []),
      `${dropped.length} referrer(s) of the source index ${source.digest} cannot follow the platforms subset (a new index digest); the kept children's referrers do`,
    ];
  }
  if (referrers.length > 0) change.referrers = referrers;
}
