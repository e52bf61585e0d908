import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { addReferrerChanges } from '../../src/plan/referrers.js';
import type { Plan } from '../../src/plan/types.js';
import { configMismatch } from '../../src/planfile/config-match.js';
import { readPlanFile, serializePlan, writePlanFile } from '../../src/planfile/index.js';
import type { PlanDocument } from '../../src/planfile/index.js';
import { footer } from '../../src/render/plan-view.js';
import { isRegsyncError } from '../../src/util/errors.js';
import { referrersConfig, sampleConfig, samplePlan } from '../helpers/sample-plan.js';

// Issue 16: referrers are changes of their own in the plan file (formatVersion 3): both ends named by digest,
// `subject`, `artifactType` and `referrerOf`; a saved plan's referrer changes are checked against the config like
// any change, and a hostile edit is refused naming the change.

const dir = mkdtempSync(join(tmpdir(), 'regsync-plan-referrers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const SBOM = 'application/spdx+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const IMAGE = 'apps:127.0.0.1:5001/mirror/app1:v1.0.3';
const UNCHANGED = 'apps:127.0.0.1:5001/mirror/app2:1.2.3-alpine';

/** The sample plan with a signature (and an SBOM of it) on a created image, and a new signature on an unchanged one. */
function planWithReferrers(): Plan {
  const plan = samplePlan();
  const image = plan.changes.find((c) => c.id === IMAGE)!;
  const unchanged = plan.changes.find((c) => c.id === UNCHANGED)!;
  return addReferrerChanges(plan, {
    images: [
      {
        image: image.id,
        referrers: [
          { subject: image.source!.digest, digest: digest('a'), mediaType: MANIFEST, size: 512, artifactType: SIG },
          { subject: digest('a'), digest: digest('b'), mediaType: MANIFEST, size: 300, artifactType: SBOM },
        ],
        present: [],
        dropped: 0,
      },
      {
        image: unchanged.id,
        referrers: [
          { subject: unchanged.source!.digest, digest: digest('c'), mediaType: MANIFEST, size: 400, artifactType: SIG },
          { subject: unchanged.source!.digest, digest: digest('d'), mediaType: MANIFEST, size: 410, artifactType: SIG },
        ],
        present: [digest('c')],
        dropped: 0,
      },
    ],
    listings: 7,
    failures: [],
  });
}

describe('referrer changes in the plan file', () => {
  test('they round-trip through the plan file (ids and refs named by digest); a plan without them has no such field', async () => {
    const plan = planWithReferrers();
    const file = join(dir, 'plan.json');
    await writePlanFile(file, plan);
    const read = await readPlanFile(file);
    assert.deepEqual(read, JSON.parse(JSON.stringify(plan)) as Plan);
    assert.equal(serializePlan(read), serializePlan(plan));
    const sig = read.changes.find((c) => c.source?.digest === digest('a'))!;
    assert.equal(sig.id, `apps:127.0.0.1:5001/mirror/app1@${digest('a')}`);
    assert.equal(sig.target.tag, null);
    assert.equal(sig.subject, plan.changes.find((c) => c.id === IMAGE)!.source!.digest);
    assert.equal(sig.referrerOf, IMAGE);
    const plain = serializePlan(samplePlan());
    assert.ok(!plain.includes('referrer') && !plain.includes('subject'));
  });

  test('a subject that is not a digest, or a referrer change without referrerOf, makes the plan file invalid', async () => {
    for (const edit of [
      (c: PlanDocument['changes'][number]) => (c.subject = 'latest'),
      (c: PlanDocument['changes'][number]) => delete c.referrerOf,
    ]) {
      const document = JSON.parse(serializePlan(planWithReferrers())) as PlanDocument;
      edit(document.changes.find((c) => c.subject !== undefined)!);
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify(document));
      await assert.rejects(readPlanFile(file), (error: unknown) => isRegsyncError(error) && error.code === 'PLAN_INVALID');
    }
  });

  test('a formatVersion 2 file (referrers as an array on the image change) is refused as another version', async () => {
    const document = JSON.parse(serializePlan(samplePlan())) as { formatVersion: number };
    document.formatVersion = 2;
    const file = join(dir, 'v2.json');
    writeFileSync(file, JSON.stringify(document));
    await assert.rejects(readPlanFile(file), /plan file made by another regsync version \(formatVersion 2\): run regsync plan again/);
  });

  test('the footer counts the referrers to copy; the summary counts referrer creates as creates', () => {
    assert.ok(!footer(samplePlan()).includes('referrers'));
    const plan = planWithReferrers();
    assert.match(footer(plan), /\nreferrers: 7 listings, 3 to copy$/);
    assert.equal(plan.summary.create, samplePlan().summary.create + 3);
    assert.equal(plan.summary.noop, samplePlan().summary.noop + 1);
  });
});

describe('a saved plan with referrer changes is checked against the config', () => {
  const document = (): PlanDocument => JSON.parse(serializePlan(planWithReferrers())) as PlanDocument;
  const referrer = (plan: PlanDocument, hex: string) => plan.changes.find((c) => c.source?.digest === digest(hex))!;
  const line = (id: string, what: string) => `plan file does not match its config: change "${id}" ${what}: run regsync plan again`;
  const idOf = (hex: string) => `apps:127.0.0.1:5001/mirror/app1@${digest(hex)}`;

  test('the honest plan passes', () => {
    assert.equal(configMismatch(referrersConfig(), document()), null);
  });

  test('a mirror without referrers: refused', () => {
    assert.equal(configMismatch(sampleConfig(), document()), line(idOf('a'), 'copies a referrer, but mirror apps copies no referrers'));
  });

  test('an artifact type the mirror does not ask for: refused', () => {
    assert.equal(
      configMismatch(referrersConfig({ referrers: { artifactTypes: [SIG], legacyCosignTags: true } }), document()),
      line(idOf('b'), `copies referrer ${digest('b')} of artifact type ${SBOM}, but mirror apps copies only ${SIG}`),
    );
  });

  test('a subject that is neither the image nor another of its referrers: refused', () => {
    const plan = document();
    referrer(plan, 'b').subject = digest('e');
    assert.equal(
      configMismatch(referrersConfig(), plan),
      line(
        idOf('b'),
        `refers to ${digest('e')}, which is neither its image ${IMAGE} (${referrer(plan, 'a').subject}) nor another of its referrers`,
      ),
    );
  });

  test('referrerOf naming a delete, or no change at all: refused', () => {
    const plan = document();
    referrer(plan, 'a').referrerOf = 'apps:127.0.0.1:5001/mirror/app1:v0.8';
    assert.match(
      configMismatch(referrersConfig(), plan) ?? '',
      /is a referrer of apps:127\.0\.0\.1:5001\/mirror\/app1:v0\.8, which is no image change/,
    );
    referrer(plan, 'a').referrerOf = 'apps:127.0.0.1:5001/mirror/app1:nope';
    assert.match(configMismatch(referrersConfig(), plan) ?? '', /which is no image change of mirror apps in this plan/);
  });

  test('a referrer moved to another repository (ids and refs kept consistent): refused', () => {
    const plan = document();
    const moved = referrer(plan, 'a');
    moved.target.repository = 'mirror/evil';
    moved.target.ref = `127.0.0.1:5001/mirror/evil@${digest('a')}`;
    moved.id = `apps:${moved.target.ref}`;
    assert.equal(
      configMismatch(referrersConfig(), plan),
      line(moved.id, `targets ${moved.target.ref}, but its image ${IMAGE} lands in 127.0.0.1:5001/mirror/app1`),
    );
  });

  test('a tag given to a referrer, or a ref that is not its digest: refused', () => {
    const tagged = document();
    referrer(tagged, 'a').target.tag = 'pwn';
    assert.match(configMismatch(referrersConfig(), tagged) ?? '', /targets .* but its image .* lands in|a referrer is named by its digest/);
    const steered = document();
    referrer(steered, 'a').source!.ref = `127.0.0.1:5000/app1@${digest('f')}`;
    assert.match(
      configMismatch(referrersConfig(), steered) ?? '',
      /has source\.ref .*@sha256:f+, but its endpoint, repository and tag are/,
    );
  });

  test('a referrer noop turned into a create of something already there, or a create with a platforms subset: refused', () => {
    const plan = document();
    const noop = plan.changes.find((c) => c.subject !== undefined && c.action === 'noop')!;
    noop.copy = { platforms: ['linux/amd64'] };
    noop.action = 'create';
    noop.reason = 'missing-in-destination';
    assert.match(configMismatch(referrersConfig(), plan) ?? '', /is a referrer create, but a referrer is created whole by digest/);
  });
});
