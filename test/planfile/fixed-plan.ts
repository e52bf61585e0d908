/**
 * A fixed plan that uses every field of the plan file format (shard, rate limits, artifactType, warnings), every
 * reason (a legacy cosign tag prune keeps beside its kept image: referrer-of-kept-tag) and the skip filter `subject`
 * (a legacy cosign tag whose image is not selected).
 */
import type { Change, Plan } from '../../src/plan/types.js';
import { sortChanges, sortSkipped } from '../../src/plan/sort.js';
import { summarize } from '../../src/plan/summary.js';
import { samplePlan } from '../helpers/sample-plan.js';

export function fixedPlan(): Plan {
  const plan = samplePlan();
  const artifact = plan.changes.find((change) => change.action === 'create' && change.source !== null)!;
  const kept = plan.changes.find((change) => change.action === 'noop' && change.source !== null && change.mirror === 'apps')!;
  const tag = `${kept.target.digest!.replace(':', '-')}.sig`;
  const ref = `${kept.target.endpoint}/${kept.target.repository}:${tag}`;
  const signature: Change = {
    id: `${kept.mirror}:${ref}`,
    mirror: kept.mirror,
    action: 'noop',
    reason: 'referrer-of-kept-tag',
    executor: kept.executor,
    source: null,
    target: { ...kept.target, ref, tag, digest: `sha256:${'5'.repeat(64)}`, configDigest: null },
  };
  const changes = sortChanges([
    ...plan.changes.map((change) =>
      change === artifact ? { ...change, source: { ...change.source!, artifactType: 'application/vnd.example.sbom' } } : change,
    ),
    signature,
  ]);
  const dropped = plan.skipped.find((entry) => entry.mirror === 'apps')!;
  const unsigned = `${dropped.ref.slice(0, dropped.ref.lastIndexOf(':'))}:sha256-${'6'.repeat(64)}.sig`;
  const skipped = sortSkipped([
    ...plan.skipped,
    {
      mirror: 'apps',
      ref: unsigned,
      filter: 'subject',
      detail: `a legacy cosign tag: its subject sha256:66666666 is no tag the mirror reads`,
    },
  ]);
  return {
    ...plan,
    shard: { index: 0, count: 1 },
    changes,
    skipped,
    summary: summarize({ changes, skipped }),
    stats: {
      ...plan.stats,
      rateLimits: {
        'registry-1.docker.io': { limit: 100, remaining: 40, windowSeconds: 21600, needed: 3 },
        '127.0.0.1:5000': { limit: null, remaining: 7, windowSeconds: null, needed: 1 },
      },
    },
  };
}
