/** A fixed plan that uses every field of the plan file format (shard, rate limits, artifactType, warnings). */
import type { Plan } from '../../src/plan/types.js';
import { samplePlan } from '../helpers/sample-plan.js';

export function fixedPlan(): Plan {
  const plan = samplePlan();
  const artifact = plan.changes.find((change) => change.action === 'create' && change.source !== null)!;
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
