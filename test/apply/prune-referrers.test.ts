/**
 * Issue 16, apply's side of referrers deleted with a pruned image (plain data): the delete operation names the
 * referrer by digest (what --dry-run prints), the precondition check reads the referrer by its digest, and no proof
 * of referrers is asked of a deleted image (nor is its referrer delete held back by it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
