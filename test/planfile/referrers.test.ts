import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readPlanFile, serializePlan, writePlanFile } from '../../src/planfile/index.js';
import type { Plan } from '../../src/plan/types.js';
import { footer } from '../../src/render/plan-view.js';
import { isRegsyncError } from '../../src/util/errors.js';
import { samplePlan } from '../helpers/sample-plan.js';

// Issue 16: a change's referrers and the plan's referrer listings reach the plan file (optional fields, present only
// when set, so plans of mirrors without referrers read and write exactly as before) and the footer.

const dir = mkdtempSync(join(tmpdir(), 'regsync-plan-referrers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const digest = (c: string) => `sha256:${c.repeat(64)}`;

function planWithReferrers(): Plan {
  const plan = samplePlan();
  const change = plan.changes.find((c) => c.action === 'create')!;
  change.referrers = [
    {
      subject: change.source!.digest,
      digest: digest('a'),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 512,
      artifactType: SIG,
    },
    { subject: digest('a'), digest: digest('b'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 300, artifactType: null },
  ];
  plan.stats.referrerListings = 4;
  return plan;
}

test('referrers round-trip through the plan file; a plan without them has no such field', async () => {
  const plan = planWithReferrers();
  const file = join(dir, 'plan.json');
  await writePlanFile(file, plan);
  const read = await readPlanFile(file);
  assert.deepEqual(read, JSON.parse(JSON.stringify(plan)) as Plan);
  assert.equal(serializePlan(read), serializePlan(plan));
  const plain = serializePlan(samplePlan());
  assert.ok(!plain.includes('referrer'));
});

test('a referrer that is not a digest makes the plan file invalid', async () => {
  const document = JSON.parse(serializePlan(planWithReferrers())) as { changes: Array<{ referrers?: Array<{ digest: string }> }> };
  document.changes.find((c) => c.referrers !== undefined)!.referrers![0]!.digest = 'latest';
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify(document));
  await assert.rejects(readPlanFile(file), (error: unknown) => isRegsyncError(error) && error.code === 'PLAN_INVALID');
});

test('the footer says what referrers cost only when the plan listed them', () => {
  assert.ok(!footer(samplePlan()).includes('referrers'));
  assert.match(footer(planWithReferrers()), /\nreferrers: 4 listings, 2 to copy$/);
});
