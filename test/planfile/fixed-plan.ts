/**
 * A fixed plan that uses every field of the plan file format (shard, rate limits, artifactType, warnings, referrer
 * changes), every reason (a legacy cosign tag prune keeps beside its kept image: referrer-of-kept-tag) and the skip
 * filter `subject` (a legacy cosign tag whose image is not selected).
 */
import { addReferrerChanges } from '../../src/plan/referrers.js';
import type { Change, Plan } from '../../src/plan/types.js';
import { sortChanges, sortSkipped } from '../../src/plan/sort.js';
import { summarize } from '../../src/plan/summary.js';
import { samplePlan } from '../helpers/sample-plan.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const digest = (c: string) => `sha256:${c.repeat(64)}`;

export function fixedPlan(): Plan {
  const sample = samplePlan();
  const artifact = sample.changes.find((change) => change.action === 'create' && change.source !== null)!;
  const kept = sample.changes.find((change) => change.action === 'noop' && change.source !== null && change.mirror === 'apps')!;
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
    ...sample.changes.map((change) =>
      change === artifact ? { ...change, source: { ...change.source!, artifactType: 'application/vnd.example.sbom' } } : change,
    ),
    signature,
  ]);
  const dropped = sample.skipped.find((entry) => entry.mirror === 'apps')!;
  const unsigned = `${dropped.ref.slice(0, dropped.ref.lastIndexOf(':'))}:sha256-${'6'.repeat(64)}.sig`;
  const skipped = sortSkipped([
    ...sample.skipped,
    {
      mirror: 'apps',
      ref: unsigned,
      filter: 'subject',
      detail: `a legacy cosign tag: its subject sha256:66666666 is no tag the mirror reads`,
    },
  ]);
  const unchanged = changes.find((change) => change.action === 'noop' && change.source !== null && change.reason === 'up-to-date')!;
  const plan = addReferrerChanges(
    { ...sample, changes, skipped, summary: summarize({ changes, skipped }) },
    {
      images: [
        {
          image: unchanged.id,
          referrers: [
            {
              subject: unchanged.source!.digest,
              digest: digest('a'),
              mediaType: MANIFEST,
              size: 600,
              artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
            },
            { subject: digest('a'), digest: digest('b'), mediaType: MANIFEST, size: 700, artifactType: null },
          ],
          present: [digest('a')],
          dropped: 0,
        },
      ],
      listings: 3,
      failures: [],
    },
  );
  return {
    ...plan,
    shard: { index: 0, count: 1 },
    stats: {
      ...plan.stats,
      rateLimits: {
        'registry-1.docker.io': { limit: 100, remaining: 40, windowSeconds: 21600, needed: 3 },
        '127.0.0.1:5000': { limit: null, remaining: 7, windowSeconds: null, needed: 1 },
      },
    },
  };
}
