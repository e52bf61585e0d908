import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListrTaskState } from 'listr2';
import { buildTaskTree } from '../../src/apply/tasks.js';
import { ChangeTracker, changeTitle } from '../../src/apply/tracker.js';
import type { ChangeResult } from '../../src/apply/types.js';
import type { Change } from '../../src/plan/types.js';
import { samplePlan } from '../helpers/sample-plan.js';

const outcome = (change: Change, status: ChangeResult['status']): ChangeResult => ({
  id: change.id,
  action: change.action,
  status,
  error: status === 'done' ? null : `${status} here`,
  durationMs: 0,
  bytes: 0,
});

test('one parent per destination repository; each change a task titled by action and tag, in its final state', async () => {
  const changes = samplePlan().changes.filter((change) => change.action !== 'noop');
  const trackers = changes.map((change) => new ChangeTracker(change));
  const statuses: ChangeResult['status'][] = ['done', 'failed', 'stale', 'skipped'];
  const tree = buildTaskTree(trackers, { renderer: 'silent', stream: { write: () => true } });
  const running = tree.run();
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
      failed: ListrTaskState.FAILED,
      stale: ListrTaskState.FAILED,
      skipped: ListrTaskState.SKIPPED,
    }[statuses[i % statuses.length]!];
    assert.equal(byTitle.get(changeTitle(tracker.change)), expected, changeTitle(tracker.change));
  });
  assert.match(changeTitle(changes[0]!), /^(create|update|delete) [a-z0-9-]+:\S+$/);
});
