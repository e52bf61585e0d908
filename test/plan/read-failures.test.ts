/**
 * The planner with source repositories the inventory could not read (issue 18): they are not planned, the others are;
 * with prune, no repository renamed onto the same destination is planned either (its prune would delete the unread
 * repository's tags); the failures reach the plan for the mirrors reported.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MirrorInventory, ReadFailure } from '../../src/plan/types.js';
import { actions, inventoryFor, mirrorConfig, planOf } from '../helpers/inventory-builder.js';

const D = '127.0.0.1:5001/mirror';
const failure = (mirror: string, repository: string): ReadFailure => ({ mirror, host: '127.0.0.1:5000', repository, error: 'HTTP 503' });

/** An inventory as the gatherer leaves it after `unreadable` failed: listed, but without facts. */
function withUnreadable(inventory: MirrorInventory, unreadable: string[]): MirrorInventory {
  const source = Object.fromEntries(Object.entries(inventory.source).filter(([relative]) => !unreadable.includes(relative)));
  return { ...inventory, source, unreadable };
}

describe('buildPlan: source repositories that could not be read', () => {
  it('plans the others, raises no problem, and carries the failures', () => {
    const mirror = mirrorConfig();
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.head('v1', 'a'))
      .source('app2', (r) => r.head('v1', 'b'))
      .destination('mirror/app1')
      .destination('mirror/app2')
      .build();
    const { plan, problems } = planOfWithFailures([mirror], [withUnreadable(inventory, ['app2'])], [failure('apps', 'team/app2')]);
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(plan), [`create missing-in-destination ${D}/app1:v1`]);
    assert.deepEqual(plan.failures, [failure('apps', 'team/app2')]);
  });

  it('with prune, a repository renamed onto the same destination as an unread one is not planned (nothing deleted)', () => {
    const mirror = mirrorConfig({ prune: true, rename: { kind: 'template', template: '\\3' } });
    const inventory = inventoryFor(mirror)
      .source('a/app', (r) => r.head('v1', 'a1'))
      .source('b/app', (r) => r.head('v2', 'b2'))
      .source('c/other', (r) => r.head('v1', 'c1'))
      .destination('mirror/app', (r) => r.head('v1', 'a1').head('v2', 'b2'))
      .destination('mirror/other', (r) => r.head('old', 'o'))
      .build();
    const { plan } = planOfWithFailures([mirror], [withUnreadable(inventory, ['b/app'])], [failure('apps', 'team/b/app')]);
    assert.deepEqual(actions(plan), [`delete not-in-selection ${D}/other:old`, `create missing-in-destination ${D}/other:v1`]);
  });

  it('a failure of a mirror not asked for (--mirror) is not reported', () => {
    const apps = mirrorConfig();
    const other = mirrorConfig({ name: 'other' });
    const inventories = [inventoryFor(apps).build(), inventoryFor(other).build()];
    const { plan } = planOfWithFailures([apps, other], inventories, [failure('other', 'team/x')], ['apps']);
    assert.equal(plan.failures, undefined);
  });
});

function planOfWithFailures(
  mirrors: Parameters<typeof planOf>[0],
  inventories: MirrorInventory[],
  failures: ReadFailure[],
  only?: string[],
) {
  return planOf(mirrors, inventories, { ...(only === undefined ? {} : { only }), failures });
}
