/**
 * Issue 16, apply's side of referrers deleted with a pruned image (plain data): the delete operation names the
 * referrer by digest (what --dry-run prints), the precondition check reads the referrer by its digest, and no proof
 * of referrers is asked of a deleted image (nor is its referrer delete held back by it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDeleter } from '../../src/apply/delete.js';
import type { ResolvedChange } from '../../src/apply/locations.js';
import { deleteOperation, formatOperation } from '../../src/apply/operations.js';
import { checkPreconditions } from '../../src/apply/preconditions.js';
import { ReferrerProofs } from '../../src/apply/referrers.js';
import type { ChangeProgress, ChangeResult, ResolvedLocation } from '../../src/apply/types.js';
import { addPrunedReferrers } from '../../src/plan/prune-referrers.js';
import type { Plan } from '../../src/plan/types.js';
import { samplePlan } from '../helpers/sample-plan.js';

const DELETED = 'apps:127.0.0.1:5001/mirror/app1:v0.8';
const digest = (c: string) => `sha256:${c.repeat(64)}`;

function plan(): Plan {
  const sample = samplePlan();
  const subject = sample.changes.find((c) => c.id === DELETED)!.target.digest!;
  const referrer = { subject, digest: digest('a'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1, artifactType: null };
  return addPrunedReferrers(sample, { images: [{ image: DELETED, referrers: [referrer] }], listings: 1, failures: [] });
}

test('the delete operation of a referrer names its digest and subject', () => {
  const change = plan().changes.find((c) => c.referrerOf === DELETED)!;
  const subject = change.subject!;
  assert.deepEqual(deleteOperation(change), {
    kind: 'delete',
    target: { endpoint: '127.0.0.1:5001', repository: 'mirror/app1' },
    digest: digest('a'),
    tag: null,
    subject,
  });
  assert.equal(
    formatOperation(deleteOperation(change)),
    `delete 127.0.0.1:5001/mirror/app1@${digest('a')} (referrer of ${subject}; only if no tag points at it)`,
  );
});

test('the precondition of a referrer delete reads the referrer by its digest: there, go; gone, done', async () => {
  const change = plan().changes.find((c) => c.referrerOf === DELETED)!;
  const asked: string[] = [];
  const target = (present: boolean) =>
    ({
      tag: null,
      repository: 'mirror/app1',
      registry: {
        headManifest: (repository: string, reference: string) => {
          asked.push(`${repository}@${reference}`);
          return Promise.resolve(present ? { digest: reference } : null);
        },
      },
    }) as unknown as ResolvedLocation;
  const signal = new AbortController().signal;
  assert.deepEqual(await checkPreconditions({ change, source: null, target: target(true) }, signal), {
    kind: 'go',
  });
  assert.deepEqual(await checkPreconditions({ change, source: null, target: target(false) }, signal), {
    kind: 'done',
  });
  assert.deepEqual(asked, [`mirror/app1@${digest('a')}`, `mirror/app1@${digest('a')}`]);
});

test('no proof is asked of a deleted image, and its referrer delete is never held back', async () => {
  const planned = plan();
  const resolved = planned.changes.filter((c) => c.action !== 'noop').map((change) => ({ change }) as unknown as ResolvedChange);
  const proofs = new ReferrerProofs(planned, resolved);
  const referrer = resolved.find((r) => r.change.referrerOf === DELETED)!;
  const failed = new Map<string, ChangeResult>([
    [DELETED, { id: DELETED, action: 'delete', status: 'failed', error: 'x', durationMs: 0, bytes: 0 }],
  ]);
  assert.equal(proofs.blockedBy(referrer.change, failed), null);
  const done: ChangeResult = { id: referrer.change.id, action: 'delete', status: 'done', error: null, durationMs: 0, bytes: 0 };
  const progress = { output: () => assert.fail('no proof line for a deleted image') } as unknown as ChangeProgress;
  assert.equal(await proofs.after(referrer, done, progress, new AbortController().signal), done);
  assert.deepEqual(proofs.images, []);
});

test("an image delete waits for its referrers' deletes: one that did not land keeps the image for the next plan", () => {
  const planned = plan();
  const resolved = planned.changes.filter((c) => c.action !== 'noop').map((change) => ({ change }) as unknown as ResolvedChange);
  const proofs = new ReferrerProofs(planned, resolved);
  const image = planned.changes.find((c) => c.id === DELETED)!;
  const referrer = planned.changes.find((c) => c.referrerOf === DELETED)!;
  const result = (status: ChangeResult['status']): Map<string, ChangeResult> =>
    new Map([[referrer.id, { id: referrer.id, action: 'delete', status, error: null, durationMs: 0, bytes: 0 }]]);
  assert.equal(proofs.blockedBy(image, result('done')), null);
  assert.equal(proofs.blockedBy(image, result('present')), null);
  assert.match(proofs.blockedBy(image, result('failed')) ?? '', new RegExp(`its referrer ${digest('a')} was not deleted \\(failed\\)`));
  assert.match(proofs.blockedBy(image, new Map()) ?? '', /was not deleted \(not run\)/);
});

/** The deleter against a destination given as data: tags → digests, manifests' subjects, and what it deleted. */
function destination(tags: Record<string, string>, subjects: Record<string, string | null>) {
  const deleted: string[] = [];
  const registry = {
    name: '127.0.0.1:5001',
    listTags: () => Promise.resolve(Object.keys(tags)),
    headManifest: (_repository: string, tag: string) => Promise.resolve(tags[tag] === undefined ? null : { digest: tags[tag] }),
    getManifest: (_repository: string, reference: string) => {
      const subject = subjects[reference];
      return Promise.resolve({ manifest: { kind: 'image', ...(subject ? { subject: { digest: subject } } : {}) } });
    },
    deleteManifest: (_repository: string, reference: string) => {
      deleted.push(reference);
      return Promise.resolve();
    },
  };
  const target = {
    registry,
    scheme: 'registry',
    location: '127.0.0.1:5001',
    repository: 'mirror/app1',
    tag: null,
  } as unknown as ResolvedLocation;
  return { target, deleted };
}

test('a referrer delete stands only with its image delete, and only for a manifest that refers to that image', async () => {
  const planned = plan();
  const image = planned.changes.find((c) => c.id === DELETED)!;
  const referrer = planned.changes.find((c) => c.referrerOf === DELETED)!;
  const subject = image.target.digest!;
  const run = async (tags: Record<string, string>, subjects: Record<string, string | null>) => {
    const { target, deleted } = destination(tags, subjects);
    const deleter = createDeleter(planned.changes);
    const outcome = await deleter({ change: referrer, source: null, target }, new AbortController().signal).then(
      () => 'deleted',
      (error: Error) => error.message,
    );
    return { outcome, deleted };
  };
  const refersToImage = { [digest('a')]: subject };
  assert.deepEqual(await run({ [image.target.tag!]: subject }, refersToImage), { outcome: 'deleted', deleted: [digest('a')] });
  // The image's tag moved since the plan: its delete will be refused, so its referrer stays.
  const moved = await run({ [image.target.tag!]: digest('c') }, refersToImage);
  assert.deepEqual(moved.deleted, []);
  assert.match(moved.outcome, /no longer points at/);
  // Another tag now names the image: it stays, and so do its signatures.
  const kept = await run({ [image.target.tag!]: subject, new: subject }, refersToImage);
  assert.deepEqual(kept.deleted, []);
  assert.match(kept.outcome, /also tagged new, so the image stays/);
  // The digest (from a fallback index anyone writes, or an edited plan file) is some other manifest.
  const other = await run({ [image.target.tag!]: subject }, { [digest('a')]: digest('d') });
  assert.deepEqual(other.deleted, []);
  assert.match(other.outcome, new RegExp(`its manifest refers to ${digest('d')}, not to ${subject}`));
});
