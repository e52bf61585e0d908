import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { addPrunedReferrers } from '../../src/plan/prune-referrers.js';
import type { Plan } from '../../src/plan/types.js';
import { configMismatch } from '../../src/planfile/config-match.js';
import { readPlanFile, serializePlan, writePlanFile } from '../../src/planfile/index.js';
import type { PlanDocument } from '../../src/planfile/index.js';
import { referrersConfig, sampleConfig, samplePlan } from '../helpers/sample-plan.js';

// Issue 16: with `prune: true` a referrer whose subject is deleted goes with it, as a delete change named by digest
// (no source, `subject`, `artifactType`, `referrerOf` the tag delete). In the plan file (formatVersion 3, the enums as
// they were), and checked against the config: only a pruning mirror with referrers, only with its image's delete.

const dir = mkdtempSync(join(tmpdir(), 'regsync-plan-prune-referrers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const ATT = 'application/vnd.in-toto+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const DELETED = 'apps:127.0.0.1:5001/mirror/app1:v0.8';
const CREATE = 'apps:127.0.0.1:5001/mirror/app1:v1.0.3';
const idOf = (hex: string) => `apps:127.0.0.1:5001/mirror/app1@${digest(hex)}`;

/** The sample plan with v0.8's signature and an attestation of that signature deleted with it. */
function planWithPrunedReferrers(): Plan {
  const plan = samplePlan();
  const subject = plan.changes.find((c) => c.id === DELETED)!.target.digest!;
  return addPrunedReferrers(plan, {
    images: [
      {
        image: DELETED,
        referrers: [
          { subject, digest: digest('a'), mediaType: MANIFEST, size: 500, artifactType: SIG },
          { subject: digest('a'), digest: digest('b'), mediaType: MANIFEST, size: 300, artifactType: ATT },
        ],
      },
    ],
    listings: 2,
    failures: [],
  });
}

const document = (): PlanDocument => JSON.parse(serializePlan(planWithPrunedReferrers())) as PlanDocument;
const change = (plan: PlanDocument, hex: string) => plan.changes.find((c) => c.id === idOf(hex))!;
const line = (id: string, what: string) => `plan file does not match its config: change "${id}" ${what}: run regsync plan again`;

describe('referrer deletes in the plan file', () => {
  test('they round-trip through the plan file, valid against the schema, and the honest plan matches its config', async () => {
    const plan = planWithPrunedReferrers();
    const file = join(dir, 'plan.json');
    await writePlanFile(file, plan);
    const read = await readPlanFile(file);
    assert.deepEqual(read, JSON.parse(JSON.stringify(plan)) as Plan);
    const signature = read.changes.find((c) => c.id === idOf('a'))!;
    assert.deepEqual([signature.action, signature.source, signature.target.tag, signature.referrerOf], ['delete', null, null, DELETED]);
    assert.equal(read.summary.delete, samplePlan().summary.delete + 2);
    assert.equal(configMismatch(referrersConfig(), document()), null);
  });

  test('in a mirror that does not prune, or copies no referrers: refused', () => {
    // Without the tag prune keeps for a shared digest, which such a mirror refuses first.
    const plan = document();
    plan.changes = plan.changes.filter((c) => c.id !== 'apps:127.0.0.1:5001/mirror/app1:stable');
    assert.equal(
      configMismatch(referrersConfig({ prune: false }), plan),
      // The referrer deletes come before their image's delete, so are refused first.
      line(idOf('b'), `deletes referrer 127.0.0.1:5001/mirror/app1@${digest('b')}, but mirror apps does not prune`),
    );
    assert.equal(
      configMismatch(sampleConfig(), document()),
      line(idOf('b'), `deletes referrer 127.0.0.1:5001/mirror/app1@${digest('b')}, but mirror apps copies no referrers`),
    );
  });

  test('referrerOf naming a create, or no change of the plan: refused', () => {
    const plan = document();
    for (const hex of ['a', 'b']) change(plan, hex).referrerOf = CREATE;
    assert.equal(
      configMismatch(referrersConfig(), plan),
      line(idOf('b'), `deletes a referrer of ${CREATE}, which is no tag delete of mirror apps in this plan`),
    );
    for (const hex of ['a', 'b']) change(plan, hex).referrerOf = 'apps:127.0.0.1:5001/mirror/app1:nope';
    assert.match(configMismatch(referrersConfig(), plan) ?? '', /which is no tag delete of mirror apps in this plan/);
  });

  test('moved to another repository (id and ref kept consistent): refused', () => {
    const plan = document();
    const moved = change(plan, 'a');
    moved.target.repository = 'mirror/evil';
    moved.target.ref = `127.0.0.1:5001/mirror/evil@${digest('a')}`;
    moved.id = `apps:${moved.target.ref}`;
    assert.equal(
      configMismatch(referrersConfig(), plan),
      line(moved.id, `deletes ${moved.target.ref}, but its image ${DELETED} is deleted from 127.0.0.1:5001/mirror/app1`),
    );
  });

  test('a subject that is neither the deleted image nor a referrer deleted with it, or an artifact type not copied: refused', () => {
    const plan = document();
    change(plan, 'b').subject = digest('e');
    assert.match(configMismatch(referrersConfig(), plan) ?? '', /refers to sha256:e+, which is neither its deleted image/);
    assert.equal(
      configMismatch(referrersConfig({ referrers: { artifactTypes: [SIG], legacyCosignTags: true } }), document()),
      line(idOf('b'), `deletes referrer ${digest('b')} of artifact type ${ATT}, but mirror apps copies only ${SIG}`),
    );
  });

  test('a ref that is not its digest: refused', () => {
    const plan = document();
    change(plan, 'a').target.ref = `127.0.0.1:5001/mirror/app1@${digest('f')}`;
    assert.match(configMismatch(referrersConfig(), plan) ?? '', /has target\.ref .*@sha256:f+, but its endpoint, repository and tag are/);
  });
});
