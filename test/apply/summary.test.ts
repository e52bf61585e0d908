import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyExitCode, summarizeResults, summaryLine } from '../../src/apply/summary.js';
import type { ChangeResult } from '../../src/apply/types.js';

const result = (action: ChangeResult['action'], status: ChangeResult['status']): ChangeResult => ({
  id: `${action}-${status}`,
  action,
  status,
  error: status === 'done' || status === 'present' ? null : 'why',
  durationMs: 1,
  bytes: 0,
});

test('a clean run prints exactly the issue line and exits 0', () => {
  const summary = summarizeResults([
    result('create', 'done'),
    result('create', 'done'),
    result('create', 'done'),
    result('update', 'done'),
  ]);
  assert.equal(summaryLine(summary, false), 'Apply complete: 3 created, 1 updated, 0 deleted, 0 failed.');
  assert.equal(applyExitCode(summary, false), 0);
});

test('stale and skipped changes are added to the line only when present; any of them exits 1', () => {
  const summary = summarizeResults([
    result('create', 'done'),
    result('delete', 'failed'),
    result('update', 'stale'),
    result('create', 'skipped'),
  ]);
  assert.deepEqual(summary, { created: 1, updated: 0, deleted: 0, failed: 1, present: 0, stale: 1, skipped: 1 });
  assert.equal(summaryLine(summary, false), 'Apply complete: 1 created, 0 updated, 0 deleted, 1 failed, 1 stale, 1 skipped.');
  assert.equal(applyExitCode(summary, false), 1);
  assert.equal(applyExitCode(summarizeResults([result('update', 'stale')]), false), 1);
});

test('an interrupted run says so with the same counts and exits 130', () => {
  const summary = summarizeResults([result('delete', 'done'), result('create', 'skipped')]);
  assert.equal(summaryLine(summary, true), 'Apply interrupted: 0 created, 0 updated, 1 deleted, 0 failed, 1 skipped.');
  assert.equal(applyExitCode(summary, true), 130);
});

test('changes already present at the destination are counted apart, between failed and stale, and exit 0', () => {
  const present = Array.from({ length: 10 }, (_, i) => ({ ...result('create', 'present'), id: `p${i}` }));
  const summary = summarizeResults([...present, result('update', 'stale')]);
  assert.deepEqual(summary, { created: 0, updated: 0, deleted: 0, failed: 0, present: 10, stale: 1, skipped: 0 });
  assert.equal(summaryLine(summary, false), 'Apply complete: 0 created, 0 updated, 0 deleted, 0 failed, 10 already present, 1 stale.');
  assert.equal(summaryLine(summary, true), 'Apply interrupted: 0 created, 0 updated, 0 deleted, 0 failed, 10 already present, 1 stale.');
  const clean = summarizeResults([result('create', 'done'), result('delete', 'present')]);
  assert.equal(summaryLine(clean, false), 'Apply complete: 1 created, 0 updated, 0 deleted, 0 failed, 1 already present.');
  assert.equal(applyExitCode(clean, false), 0);
});
