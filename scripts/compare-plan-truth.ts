// Compares a plan JSON (regsync plan --json over an OCI layout corpus as one mirror) with the corpus truth.json:
// every tag of truth.json must be a change whose source has the tag's exact digest and media type.
// Usage: node --import tsx scripts/compare-plan-truth.ts PLAN.json /path/to/corpus/oci/truth.json
import { readFileSync } from 'node:fs';

const [planFile, truthFile] = process.argv.slice(2);
if (planFile === undefined || truthFile === undefined) {
  console.error('usage: compare-plan-truth.ts PLAN.json TRUTH.json');
  process.exit(2);
}
interface Source {
  repository: string;
  tag: string | null;
  digest: string;
  mediaType: string;
}
interface Truth {
  tagCount: number;
  repositories: Record<string, { tags: Record<string, { digest: string; mediaType: string }> }>;
}
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { changes: Array<{ source: Source | null }> };
const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Truth;
// The source repository relative to the mirror's source: the path after the source endpoint.
const planned = new Map<string, Source>();
for (const change of plan.changes) {
  if (change.source === null) continue;
  planned.set(`${change.source.repository}:${change.source.tag}`, change.source);
}
const problems: string[] = [];
let matched = 0;
for (const [repository, { tags }] of Object.entries(truth.repositories)) {
  for (const [tag, expected] of Object.entries(tags)) {
    const got = planned.get(`${repository}:${tag}`);
    if (got === undefined) problems.push(`${repository}:${tag}: not in the plan`);
    else if (got.digest !== expected.digest) problems.push(`${repository}:${tag}: digest ${got.digest}, truth ${expected.digest}`);
    else if (got.mediaType !== expected.mediaType)
      problems.push(`${repository}:${tag}: mediaType ${got.mediaType}, truth ${expected.mediaType}`);
    else matched += 1;
  }
}
const extra = planned.size - matched - problems.filter((p) => !p.endsWith('not in the plan')).length;
for (const problem of problems) console.log(problem);
console.log(
  `${matched}/${truth.tagCount} tags match (digest and media type); ${problems.length} differ; ${extra} planned tags not in truth.json`,
);
process.exit(problems.length === 0 && matched === truth.tagCount ? 0 : 1);
