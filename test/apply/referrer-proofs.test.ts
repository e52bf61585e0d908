/** Issue 16: a referrer change runs only once its image's change in the same run landed (plain data). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResolvedChange } from '../../src/apply/locations.js';
import { ReferrerProofs } from '../../src/apply/referrers.js';
import type { ChangeResult } from '../../src/apply/types.js';
import { addReferrerChanges } from '../../src/plan/referrers.js';
import { samplePlan } from '../helpers/sample-plan.js';

const CREATED = 'apps:127.0.0.1:5001/mirror/app1:v1.0.3';
const UNCHANGED = 'apps:127.0.0.1:5001/mirror/app1:v1.0.2';
const digest = (c: string) => `sha256:${c.repeat(64)}`;

test("a referrer change is not started when its image's change failed, went stale or was skipped; it is after done, present or a noop image", () => {
  const sample = samplePlan();
  const referrer = (image: string, hex: string) => ({
    image,
    referrers: [
      {
        subject: sample.changes.find((c) => c.id === image)!.source!.digest,
        digest: digest(hex),
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 1,
        artifactType: null,
      },
    ],
    present: [],
    dropped: 0,
  });
  const plan = addReferrerChanges(sample, { images: [referrer(CREATED, 'a'), referrer(UNCHANGED, 'b')], listings: 2, failures: [] });
  const resolved = plan.changes.filter((c) => c.action !== 'noop').map((change) => ({ change }) as unknown as ResolvedChange);
  const proofs = new ReferrerProofs(plan, resolved);
  const ofCreated = plan.changes.find((c) => c.referrerOf === CREATED)!;
  const ofUnchanged = plan.changes.find((c) => c.referrerOf === UNCHANGED)!;
  const results = (status: ChangeResult['status']) =>
    new Map<string, ChangeResult>([[CREATED, { id: CREATED, action: 'create', status, error: null, durationMs: 0, bytes: 0 }]]);
  for (const status of ['failed', 'stale', 'skipped'] as const)
    assert.equal(
      proofs.blockedBy(ofCreated, results(status)),
      `not started: its image 127.0.0.1:5001/mirror/app1:v1.0.3 was not copied (${status})`,
    );
  for (const status of ['done', 'present'] as const) assert.equal(proofs.blockedBy(ofCreated, results(status)), null);
  // The image is unchanged (not in the run): its new referrer goes ahead.
  assert.equal(proofs.blockedBy(ofUnchanged, results('failed')), null);
  // A change of a tag is never blocked.
  assert.equal(
    proofs.blockedBy(
      plan.changes.find((c) => c.id === CREATED)!,
      results('failed'),
    ),
    null,
  );
});
