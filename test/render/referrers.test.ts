/**
 * Issue 16, rendering on plain data: referrer changes show under their image (`+ 2 referrers: 1 signature (...),
 * 1 sbom (...)`), an unchanged image with a new referrer is shown for it, --show-unchanged lists the referrers
 * already there, the Markdown plan counts them, and the footer line stays `referrers: N listings, M to copy`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addReferrerChanges } from '../../src/plan/referrers.js';
import type { Plan } from '../../src/plan/types.js';
import { renderHuman } from '../../src/render/human.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { referrerKind } from '../../src/render/referrers.js';
import { samplePlan } from '../helpers/sample-plan.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const SBOM = 'application/spdx+json';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const UNCHANGED = 'apps:127.0.0.1:5001/mirror/app1:v1.0.2';
const CREATED = 'apps:127.0.0.1:5001/mirror/app1:v1.0.3';
const options = { color: false, showUnchanged: false, showSkipped: false };

function plan(): Plan {
  const sample = samplePlan();
  const subject = (id: string) => sample.changes.find((c) => c.id === id)!.source!.digest;
  const referrer = (id: string, hex: string, artifactType: string | null) => ({
    subject: subject(id),
    digest: digest(hex),
    mediaType: MANIFEST,
    size: 10,
    artifactType,
  });
  return addReferrerChanges(sample, {
    images: [
      { image: CREATED, referrers: [referrer(CREATED, 'a', SIG), referrer(CREATED, 'b', SBOM)], present: [], dropped: 0 },
      {
        image: UNCHANGED,
        referrers: [referrer(UNCHANGED, 'c', SIG), referrer(UNCHANGED, 'd', 'application/x-other')],
        present: [digest('c')],
        dropped: 0,
      },
    ],
    listings: 6,
    failures: [],
  });
}

describe('referrers in the rendered plan', () => {
  it('kinds: cosign and notation signatures, SPDX and CycloneDX SBOMs, in-toto attestations, else artifact', () => {
    assert.equal(referrerKind(SIG), 'signature');
    assert.equal(referrerKind('application/vnd.cncf.notary.signature'), 'signature');
    assert.equal(referrerKind(SBOM), 'sbom');
    assert.equal(referrerKind('application/vnd.cyclonedx+json'), 'sbom');
    assert.equal(referrerKind('application/vnd.in-toto+json'), 'attestation');
    assert.equal(referrerKind('application/x-other'), 'artifact');
    assert.equal(referrerKind(null), 'artifact');
  });

  it('the human plan shows them under their image, an unchanged image with a new referrer included', () => {
    const text = renderHuman(plan(), options);
    assert.match(
      text,
      /\+ create 127\.0\.0\.1:5001\/mirror\/app1:v1\.0\.3 .*\n {8}\+ 2 referrers: 1 signature \(application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json\), 1 sbom \(application\/spdx\+json\)\n/,
    );
    assert.match(
      text,
      / {6}unchanged 127\.0\.0\.1:5001\/mirror\/app1:v1\.0\.2 .*\n {8}\+ 1 referrer: 1 artifact \(application\/x-other\)\n/,
    );
    // No line of its own per referrer change, and no unchanged referrer without --show-unchanged.
    assert.ok(!text.includes('@sha256:'));
    assert.ok(!text.includes('unchanged referrer'));
    assert.match(text, /Plan: 5 to create, 1 to update, 1 to delete, 5 unchanged\.\nreferrers: 6 listings, 3 to copy\n/);
  });

  it('--show-unchanged lists the referrers already at the destination under their image', () => {
    const text = renderHuman(plan(), { ...options, showUnchanged: true });
    assert.match(
      text,
      /\+ 1 referrer: 1 artifact \(application\/x-other\)\n {10}unchanged referrer sha256:cccccccc: signature \(application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json\)\n/,
    );
  });

  it('the Markdown plan notes them on their image row and counts them per mirror', () => {
    const text = renderMarkdown(plan(), options);
    assert.match(
      text,
      /\| `127\.0\.0\.1:5001\/mirror\/app1:v1\.0\.3` \|.*\+ 2 referrers: 1 signature \(application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json\), 1 sbom \(application\/spdx\+json\) \|/,
    );
    assert.match(
      text,
      /\nReferrers: 3 to create \(1 signature \(application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json\), 1 sbom \(application\/spdx\+json\), 1 artifact \(application\/x-other\)\), 1 unchanged\.\n/,
    );
    assert.ok(!text.includes('@sha256:'));
  });
});
