/**
 * Issue 16, the planner part on plain data: which images' referrers are listed, and how the facts the inventory
 * gathered become changes (create or noop, after their image, named by digest), counted in the summary, with a
 * failed listing leaving its repository out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addReferrerChanges, referrerImages } from '../../src/plan/referrers.js';
import type { ImageReferrerFacts } from '../../src/plan/referrers.js';
import type { Plan } from '../../src/plan/types.js';
import { samplePlan } from '../helpers/sample-plan.js';

const SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const UNCHANGED = 'apps:127.0.0.1:5001/mirror/app1:v1.0.2';
const CREATED = 'apps:127.0.0.1:5001/mirror/app1:v1.0.3';

function facts(plan: Plan, image: string, hexes: string[], present: string[] = [], dropped = 0): ImageReferrerFacts {
  const subject = plan.changes.find((c) => c.id === image)!.source!.digest;
  return {
    image,
    referrers: hexes.map((hex, i) => ({ subject, digest: digest(hex), mediaType: MANIFEST, size: 100 + i, artifactType: SIG })),
    present: present.map(digest),
    dropped,
  };
}

describe('referrer images', () => {
  it('kept tags of mirrors with referrers whose destination holds the source content: creates, updates, up-to-date noops', () => {
    const ids = referrerImages(samplePlan(), new Set(['apps'])).map((c) => c.id);
    assert.deepEqual(ids, [UNCHANGED, CREATED, 'apps:127.0.0.1:5001/mirror/app1:v1.1.0', 'apps:127.0.0.1:5001/mirror/app2:1.2.3-alpine']);
    // No mirror with referrers: nothing is listed (a plan without referrers costs what it did).
    assert.deepEqual(referrerImages(samplePlan(), new Set()), []);
  });

  it('a noop kept apart by overwrite: false, a delete and a referrer change are not images', () => {
    const plan = samplePlan();
    const noop = plan.changes.find((c) => c.id === UNCHANGED)!;
    noop.reason = 'overwrite-disabled';
    const withReferrer = addReferrerChanges(plan, { images: [facts(plan, CREATED, ['a'])], listings: 1, failures: [] });
    const ids = referrerImages(withReferrer, new Set(['apps'])).map((c) => c.id);
    assert.ok(!ids.includes(UNCHANGED));
    assert.ok(!ids.some((id) => id.includes('@')));
  });
});

describe('referrer changes from the facts', () => {
  it('a new referrer of an unchanged image is a create, one already listed a noop, each right after its image', () => {
    const plan = samplePlan();
    const out = addReferrerChanges(plan, { images: [facts(plan, UNCHANGED, ['a', 'b'], ['a'])], listings: 4, failures: [] });
    const at = out.changes.findIndex((c) => c.id === UNCHANGED);
    const [noop, create] = out.changes.slice(at + 1, at + 3);
    assert.equal(noop!.id, `apps:127.0.0.1:5001/mirror/app1@${digest('a')}`);
    assert.deepEqual([noop!.action, noop!.reason, noop!.target.digest, noop!.copy], ['noop', 'up-to-date', digest('a'), undefined]);
    assert.deepEqual(
      [create!.action, create!.reason, create!.target.digest, create!.copy],
      ['create', 'missing-in-destination', null, { platforms: null }],
    );
    for (const change of [noop!, create!]) {
      assert.equal(change.target.tag, null);
      assert.equal(change.source!.tag, null);
      assert.equal(change.source!.ref, `127.0.0.1:5000/team/app1@${change.source!.digest}`);
      assert.equal(change.subject, plan.changes.find((c) => c.id === UNCHANGED)!.source!.digest);
      assert.equal(change.artifactType, SIG);
      assert.equal(change.referrerOf, UNCHANGED);
      assert.equal(change.executor, 'registry');
    }
    // Counted as changes: a referrer create is a create (the plan has changes although its image is unchanged).
    assert.equal(out.summary.create, plan.summary.create + 1);
    assert.equal(out.summary.noop, plan.summary.noop + 1);
    assert.equal(out.stats.referrerListings, 4);
    assert.equal(plan.changes.length + 2, out.changes.length);
  });

  it('two tags of one image: their referrers travel once, with the first', () => {
    const plan = samplePlan();
    // v1.1.0 and another tag of the same digest in the same repository.
    const v110 = plan.changes.find((c) => c.id === 'apps:127.0.0.1:5001/mirror/app1:v1.1.0')!;
    const twin = {
      ...v110,
      id: 'apps:127.0.0.1:5001/mirror/app1:v1.1',
      target: { ...v110.target, tag: 'v1.1', ref: '127.0.0.1:5001/mirror/app1:v1.1' },
    };
    plan.changes.splice(plan.changes.indexOf(v110) + 1, 0, twin);
    const out = addReferrerChanges(plan, { images: [facts(plan, v110.id, ['c']), facts(plan, twin.id, ['c'])], listings: 2, failures: [] });
    assert.deepEqual(
      out.changes.filter((c) => c.subject !== undefined).map((c) => c.referrerOf),
      [v110.id],
    );
  });

  it('a platforms subset that leaves referrers of the source index behind: a warning on the image', () => {
    const plan = samplePlan();
    const out = addReferrerChanges(plan, { images: [facts(plan, CREATED, [], [], 2)], listings: 3, failures: [] });
    assert.match(
      out.changes.find((c) => c.id === CREATED)!.warnings!.at(-1)!,
      /^2 referrer\(s\) of the source index sha256:[0-9a-f]{64} cannot follow the platforms subset \(a new index digest\); the kept children's referrers do$/,
    );
  });

  it("a failed listing leaves its source repository out (its destination repository's changes too) and names it", () => {
    const plan = samplePlan();
    const failure = { mirror: 'apps', host: '127.0.0.1:5000', repository: 'team/app1', error: 'cannot list the referrers of x: boom' };
    const out = addReferrerChanges(plan, {
      images: [facts(plan, 'apps:127.0.0.1:5001/mirror/app2:1.2.3-alpine', ['d'])],
      listings: 5,
      failures: [failure],
    });
    assert.deepEqual(out.failures, [failure]);
    assert.ok(
      !out.changes.some((c) => c.target.repository === 'mirror/app1'),
      'no change of mirror/app1 (the delete and the shared-digest noop included)',
    );
    assert.ok(out.changes.some((c) => c.id === `apps:127.0.0.1:5001/mirror/app2@${digest('d')}`));
    assert.ok(out.changes.some((c) => c.mirror === 'base'));
    assert.equal(out.summary.delete, 0);
  });
});

describe('fallback tags the mirror keeps itself', () => {
  it("a copy of the source's sha256-<hex> tag its referrers were listed by is left out; other sha256- tags stay", () => {
    const plan = samplePlan();
    const image = plan.changes.find((c) => c.id === UNCHANGED)!;
    const tagChange = (tag: string, action: 'create' | 'update' | 'noop') => ({
      ...image,
      id: `apps:127.0.0.1:5001/mirror/app1:${tag}`,
      action,
      target: { ...image.target, tag, ref: `127.0.0.1:5001/mirror/app1:${tag}` },
    });
    const own = image.source!.digest.replace(':', '-');
    const other = digest('9').replace(':', '-');
    plan.changes.push(tagChange(own, 'update'), tagChange(other, 'create'));
    const listedByTag = { ...facts(plan, UNCHANGED, ['a']), fallbackSubjects: [image.source!.digest] };
    const out = addReferrerChanges(plan, { images: [listedByTag], listings: 1, failures: [] }, new Set(['apps']));
    const tags = out.changes.map((c) => c.target.tag);
    assert.ok(!tags.includes(own));
    assert.ok(tags.includes(other));
    assert.equal(out.summary.update, plan.summary.update);
    // Listed by the referrers API (or an OCI layout), or a mirror not named as carrying referrers: the copy stays.
    const byApi = addReferrerChanges(plan, { images: [facts(plan, UNCHANGED, ['a'])], listings: 1, failures: [] }, new Set(['apps']));
    assert.ok(byApi.changes.some((c) => c.target.tag === own));
    const notCarrying = addReferrerChanges(plan, { images: [listedByTag], listings: 1, failures: [] });
    assert.ok(notCarrying.changes.some((c) => c.target.tag === own));
  });
});

describe('the pull budget with referrers', () => {
  it('each referrer create adds 2 manifest GETs at its source host to what apply needs; present ones add none', () => {
    const plan = samplePlan();
    const host = plan.changes.find((c) => c.id === UNCHANGED)!.source!.endpoint;
    plan.stats.rateLimits = { [host]: { limit: 100, remaining: 40, windowSeconds: 21600, needed: 3 } };
    const out = addReferrerChanges(plan, { images: [facts(plan, UNCHANGED, ['a', 'b', 'c'], ['a'])], listings: 4, failures: [] });
    assert.equal(out.stats.rateLimits?.[host]?.needed, 3 + 2 * 2);
    assert.equal(plan.stats.rateLimits[host]!.needed, 3, 'the plan given is not changed');
    // No host sent rate-limit headers: nothing to add.
    assert.equal(addReferrerChanges(samplePlan(), { images: [], listings: 0, failures: [] }).stats.rateLimits, undefined);
  });
});
