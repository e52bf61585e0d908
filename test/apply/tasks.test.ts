import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListrTaskState } from 'listr2';
import { buildTaskTree } from '../../src/apply/tasks.js';
import { changeTitle, rowKey, trackerRows } from '../../src/apply/tracker.js';
import type { ChangeTracker } from '../../src/apply/tracker.js';
import type { ChangeResult } from '../../src/apply/types.js';
import type { Change } from '../../src/plan/types.js';
import { samplePlan } from '../helpers/sample-plan.js';

/** The rows of these changes and their trackers, made as the run makes them (a row's all at once, when one starts). */
function rowsOf(changes: readonly Change[]) {
  const rows = trackerRows(changes);
  const trackerOf = (change: Change): ChangeTracker => rows.get(rowKey(change))!.trackerFor(change);
  return { rows: [...rows.values()], trackerOf };
}

const outcome = (change: Change, status: ChangeResult['status']): ChangeResult => ({
  id: change.id,
  action: change.action,
  status,
  error: status === 'done' || status === 'present' ? null : `${status} here`,
  durationMs: 0,
  bytes: 0,
});

test('one parent per destination repository; each change a task titled by action and tag, in its final state', async () => {
  const changes = samplePlan().changes.filter((change) => change.action !== 'noop');
  const { rows, trackerOf } = rowsOf(changes);
  const statuses: ChangeResult['status'][] = ['done', 'failed', 'stale', 'skipped'];
  const tree = buildTaskTree(rows, { renderer: 'silent', stream: { write: () => true } });
  const running = tree.run();
  const trackers = changes.map(trackerOf);
  trackers.forEach((tracker, i) => {
    const status = statuses[i % statuses.length]!;
    if (status !== 'skipped') tracker.start();
    tracker.finish(outcome(tracker.change, status));
  });
  await running;

  const repositories = [...new Set(changes.map((change) => `${change.target.endpoint}/${change.target.repository}`))];
  assert.deepEqual(
    tree.tasks.map((task) => task.title),
    repositories,
  );
  // Each change's slot holds one titled task once it started; a change that never started is its skipped slot.
  const shown = tree.tasks.flatMap((parent) => parent.subtasks.map((slot) => slot.subtasks?.[0] ?? slot));
  const byTitle = new Map(shown.map((task) => [task.title, task.state]));
  trackers.forEach((tracker, i) => {
    const expected = {
      done: ListrTaskState.COMPLETED,
      present: ListrTaskState.COMPLETED,
      failed: ListrTaskState.FAILED,
      stale: ListrTaskState.FAILED,
      skipped: ListrTaskState.SKIPPED,
    }[statuses[i % statuses.length]!];
    assert.equal(byTitle.get(changeTitle(tracker.change)), expected, changeTitle(tracker.change));
  });
  assert.match(changeTitle(changes[0]!), /^(create|update|delete) [a-z0-9-]+:\S+$/);
});

/** Runs the tree over the sample plan's changes with these outcomes (by change index); the rows' states and the simple output. */
async function rows(statuses: ChangeResult['status'][], renderer: 'silent' | 'simple' = 'silent') {
  const changes = samplePlan().changes.filter((change) => change.action !== 'noop');
  const { rows, trackerOf } = rowsOf(changes);
  let written = '';
  const tree = buildTaskTree(rows, { renderer, stream: { write: (chunk: string) => (written += chunk) } });
  const running = tree.run();
  changes.map(trackerOf).forEach((tracker, i) => {
    const status = statuses[i]!;
    if (status !== 'skipped') tracker.start();
    tracker.finish(outcome(tracker.change, status));
  });
  await running;
  return { states: Object.fromEntries(tree.tasks.map((task) => [task.title, task.state])), written, tree };
}

// The sample plan's changes: mirror/app1 (delete v0.8, create v1.0.3, update v1.1.0), then alpine (create 3.20).
const APP1 = '127.0.0.1:5001/mirror/app1';
const ALPINE = '127.0.0.1:5002/alpine';

test('a repository row is ✔ only when every change under it is done or already present', async () => {
  const { states } = await rows(['done', 'present', 'done', 'present']);
  assert.deepEqual(states, { [APP1]: ListrTaskState.COMPLETED, [ALPINE]: ListrTaskState.COMPLETED });
});

test('a repository row fails when a change under it failed or went stale, or never started (an interrupt)', async () => {
  const failed = await rows(['done', 'failed', 'done', 'done']);
  assert.deepEqual(failed.states, { [APP1]: ListrTaskState.FAILED, [ALPINE]: ListrTaskState.COMPLETED });
  const stale = await rows(['stale', 'done', 'stale', 'present']);
  assert.deepEqual(stale.states, { [APP1]: ListrTaskState.FAILED, [ALPINE]: ListrTaskState.COMPLETED });
  // After an interrupt: the changes in flight failed, the others never started; no row may look complete.
  const interrupted = await rows(['done', 'failed', 'skipped', 'skipped']);
  assert.deepEqual(interrupted.states, { [APP1]: ListrTaskState.FAILED, [ALPINE]: ListrTaskState.FAILED });
  const [app1, alpine] = interrupted.tree.tasks;
  assert.equal(app1?.message.error, '1 failed, 1 not started');
  assert.equal(alpine?.message.error, '1 not started');
});

test('the simple renderer (CI logs) prints a failed row with ✖ and its counts, never ✔', async () => {
  const { written } = await rows(['failed', 'failed', 'stale', 'done'], 'simple');
  assert.match(written, new RegExp(`✖ ${APP1} \\[FAILED: 2 failed, 1 stale\\]`));
  assert.doesNotMatch(written, new RegExp(`✔ ${APP1}`));
  assert.match(written, new RegExp(`✔ ${ALPINE}`));
});
