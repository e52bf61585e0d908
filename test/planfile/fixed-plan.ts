/** A fixed plan that uses every field of the plan file format (shard, rate limits, artifactType, warnings, referrer changes). */
import { addReferrerChanges } from '../../src/plan/referrers.js';
import type { Plan } from '../../src/plan/types.js';
import { samplePlan } from '../helpers/sample-plan.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const digest = (c: string) => `sha256:${c.repeat(64)}`;

export function fixedPlan(): Plan {
  const sample = samplePlan();
  const artifact = sample.changes.find((change) => change.action === 'create' && change.source !== null)!;
  const unchanged = sample.changes.find((change) => change.action === 'noop' && change.source !== null && change.reason === 'up-to-date')!;
  const plan = addReferrerChanges(sample, {
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
  });
  return {
    ...plan,
    shard: { index: 0, count: 1 },
    changes: plan.changes.map((change) =>
      change === artifact ? { ...change, source: { ...change.source!, artifactType: 'application/vnd.example.sbom' } } : change,
    ),
    stats: {
      ...plan.stats,
      rateLimits: {
        'registry-1.docker.io': { limit: 100, remaining: 40, windowSeconds: 21600, needed: 3 },
        '127.0.0.1:5000': { limit: null, remaining: 7, windowSeconds: null, needed: 1 },
      },
    },
  };
}
