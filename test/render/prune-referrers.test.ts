/**
 * Issue 16, rendering on plain data: referrers deleted with a pruned image show under its delete
 * (`- 2 referrers: 1 signature (...), 1 attestation (...)`), are counted as deletes in the footer, and the Markdown
 * plan counts them apart from those to create.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addPrunedReferrers } from '../../src/plan/prune-referrers.js';
import type { Plan } from '../../src/plan/types.js';
import { renderHuman } from '../../src/render/human.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { samplePlan } from '../helpers/sample-plan.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const ATT = 'application/vnd.in-toto+json';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const DELETED = 'apps:127.0.0.1:5001/mirror/app1:v0.8';
const options = { color: false, showUnchanged: false, showSkipped: false };

function plan(): Plan {
  const sample = samplePlan();
  const subject = sample.changes.find((c) => c.id === DELETED)!.target.digest!;
  return addPrunedReferrers(sample, {
    images: [
      {
        image: DELETED,
        referrers: [
          { subject, digest: digest('a'), mediaType: MANIFEST, size: 10, artifactType: SIG },
          { subject: digest('a'), digest: digest('b'), mediaType: MANIFEST, size: 10, artifactType: ATT },
        ],
      },
    ],
    listings: 2,
    failures: [],
  });
}

describe('referrers deleted with their image in the rendered plan', () => {
  it('the human plan shows them under the image delete, not as lines of their own, and counts them as deletes', () => {
    const text = renderHuman(plan(), options);
    assert.match(
      text,
      /- delete 127\.0\.0\.1:5001\/mirror\/app1:v0\.8 \([^)]*\)\n {8}- 2 referrers: 1 signature \(application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json\), 1 attestation \(application\/vnd\.in-toto\+json\)\n/,
    );
    assert.ok(!text.includes(`@${digest('a')}`));
    const before = samplePlan().summary;
    assert.match(text, new RegExp(`Plan: ${before.create} to create, ${before.update} to update, ${before.delete + 2} to delete, `));
  });

  it('the Markdown plan notes them on the delete row and counts them apart', () => {
    const text = renderMarkdown(plan(), options);
    assert.match(text, /\| - delete \| `127\.0\.0\.1:5001\/mirror\/app1:v0\.8` \|[^\n]*- 2 referrers: 1 signature/);
    assert.match(
      text,
      /Referrers: 0 to create, 2 to delete \(1 signature \(application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json\), 1 attestation \(application\/vnd\.in-toto\+json\)\), 0 unchanged\./,
    );
  });
});
