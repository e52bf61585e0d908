/**
 * Issue 16, "with `prune: true` a referrer whose subject is deleted goes with it", the planner part on plain data:
 * which deletes have their referrers listed, and how the destination's listing becomes referrer deletes (by digest,
 * before their image's delete, the deepest first), sparing every digest that stays in the repository.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addPrunedReferrers, pruneSubjects } from '../../src/plan/prune-referrers.js';
import type { PrunedReferrersFacts } from '../../src/plan/prune-referrers.js';
import { addReferrerChanges } from '../../src/plan/referrers.js';
import type { Change, Plan, ReferrerCopy } from '../../src/plan/types.js';
import { samplePlan } from '../helpers/sample-plan.js';

const SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const ATT = 'application/vnd.in-toto+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const DELETED = 'apps:127.0.0.1:5001/mirror/app1:v0.8';
const UNCHANGED = 'apps:127.0.0.1:5001/mirror/app1:v1.0.2';
const APPS = new Set(['apps']);

const change = (plan: Plan, id: string): Change => plan.changes.find((c) => c.id === id)!;
const referrer = (subject: string, hex: string, artifactType: string | null = SIG): ReferrerCopy => ({
  subject,
  digest: digest(hex),
  mediaType: MANIFEST,
  size: 100,
  artifactType,
});
const facts = (image: string, referrers: ReferrerCopy[], listings = 1): PrunedReferrersFacts => ({
  images: [{ image, referrers }],
  listings,
  failures: [],
});

describe('pruned subjects', () => {
  it('the tag deletes of a pruning mirror with referrers; not fallback or legacy cosign tags, not other mirrors', () => {
    const plan = samplePlan();
    assert.deepEqual(
      pruneSubjects(plan, APPS).map((c) => c.id),
      [DELETED],
    );
    assert.deepEqual(pruneSubjects(plan, new Set(['base'])), []);
    const v08 = change(plan, DELETED);
    const fallback = { ...v08, id: 'x', target: { ...v08.target, tag: `sha256-${'c'.repeat(64)}` } };
    const legacy = { ...v08, id: 'y', target: { ...v08.target, tag: `sha256-${'c'.repeat(64)}.sig` } };
    assert.deepEqual(pruneSubjects({ changes: [fallback, legacy] }, APPS), []);
    // A delete spared as a noop (its digest is shared with a kept tag) is no subject: nothing goes with it.
    const stable = change(plan, 'apps:127.0.0.1:5001/mirror/app1:stable');
    assert.equal(stable.action, 'noop');
    assert.ok(!pruneSubjects(plan, APPS).includes(stable));
  });
});

describe('referrer deletes from the destination listing', () => {
  it('each referrer of a deleted image (and of its referrers) is a delete by digest, before the image, the deepest first', () => {
    const plan = samplePlan();
    const image = change(plan, DELETED);
    const subject = image.target.digest!;
    const out = addPrunedReferrers(plan, facts(DELETED, [referrer(subject, 'a'), referrer(digest('a'), 'b', ATT)], 2));
    const at = out.changes.findIndex((c) => c.id === DELETED);
    const [attestation, signature] = out.changes.slice(at - 2, at);
    assert.equal(signature!.id, `apps:127.0.0.1:5001/mirror/app1@${digest('a')}`);
    assert.equal(attestation!.id, `apps:127.0.0.1:5001/mirror/app1@${digest('b')}`);
    for (const made of [signature!, attestation!]) {
      assert.deepEqual([made.action, made.reason, made.source, made.copy], ['delete', 'not-in-selection', null, undefined]);
      assert.equal(made.target.tag, null);
      assert.equal(made.target.ref, `127.0.0.1:5001/mirror/app1@${made.target.digest}`);
      assert.equal(made.referrerOf, DELETED);
      assert.equal(made.executor, 'registry');
    }
    assert.deepEqual([signature!.subject, signature!.artifactType, signature!.target.digest], [subject, SIG, digest('a')]);
    assert.deepEqual([attestation!.subject, attestation!.artifactType], [digest('a'), ATT]);
    // Counted as deletes, listings added to the source's.
    assert.equal(out.summary.delete, plan.summary.delete + 2);
    assert.equal(out.stats.referrerListings, 2);
    assert.equal(out.changes.length, plan.changes.length + 2);
  });

  it('a referrer whose digest stays (a kept tag, or a referrer a kept image carries) is not deleted, nor what refers to it', () => {
    const plan = samplePlan();
    const subject = change(plan, DELETED).target.digest!;
    const keptTag = change(plan, UNCHANGED).target.digest!;
    // The deleted image's listing names the digest of a kept tag, which in turn has a referrer: both stay.
    const byTag = addPrunedReferrers(plan, facts(DELETED, [{ ...referrer(subject, 'x'), digest: keptTag }, referrer(keptTag, 'd')]));
    assert.deepEqual(byTag.changes, plan.changes);
    // A referrer the plan copies for a kept image (a noop referrer change with that digest) stays too.
    const withKept = addReferrerChanges(plan, {
      images: [{ image: UNCHANGED, referrers: [referrer(keptTag, 'e')], present: [digest('e')], dropped: 0 }],
      listings: 1,
      failures: [],
    });
    const out = addPrunedReferrers(withKept, facts(DELETED, [referrer(subject, 'e'), referrer(subject, 'f')]));
    const deleted = out.changes.filter((c) => c.referrerOf === DELETED).map((c) => c.target.digest);
    assert.deepEqual(deleted, [digest('f')]);
    assert.ok(out.changes.some((c) => c.referrerOf === UNCHANGED && c.action === 'noop' && c.target.digest === digest('e')));
  });

  it('a listed entry whose subject is not deleted is left alone; a digest a tag delete removes gets no second delete', () => {
    const plan = samplePlan();
    const subject = change(plan, DELETED).target.digest!;
    const out = addPrunedReferrers(plan, facts(DELETED, [referrer(digest('9'), 'a'), referrer(subject, 'b')]));
    assert.deepEqual(
      out.changes.filter((c) => c.referrerOf === DELETED).map((c) => c.target.digest),
      [digest('b')],
    );
    const v08 = change(plan, DELETED);
    const tagged: Change = {
      ...v08,
      id: `apps:${v08.target.endpoint}/mirror/app1:sig`,
      target: { ...v08.target, tag: 'sig', digest: digest('b') },
    };
    const both = { ...plan, changes: [...plan.changes, tagged] };
    assert.equal(addPrunedReferrers(both, facts(DELETED, [referrer(subject, 'b')])).changes.length, both.changes.length);
  });

  it('a destination repository whose referrers could not be listed loses its changes, as a read failure', () => {
    const plan = samplePlan();
    const failure = { mirror: 'apps', host: '127.0.0.1:5001', repository: 'mirror/app1', error: 'cannot list the referrers of ...' };
    const out = addPrunedReferrers(plan, { images: [], listings: 1, failures: [failure] });
    assert.ok(!out.changes.some((c) => c.mirror === 'apps' && c.target.repository === 'mirror/app1'));
    assert.ok(out.changes.some((c) => c.target.repository === 'mirror/app2'));
    assert.deepEqual(out.failures, [failure]);
    // Nothing listed, nothing failed: the same plan.
    assert.equal(addPrunedReferrers(plan, { images: [], listings: 0, failures: [] }), plan);
  });
});
