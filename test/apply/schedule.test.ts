import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupLanes, runInLanes } from '../../src/apply/schedule.js';

const laneOf = (item: string): string => item.split(':')[0]!;

test('lanes keep the order of first appearance and each lane its own order', () => {
  assert.deepEqual(groupLanes(['a:1', 'b:1', 'a:2', 'c:1', 'b:2'], laneOf), [['a:1', 'a:2'], ['b:1', 'b:2'], ['c:1']]);
});

test('one lane runs one item at a time; at most `concurrency` lanes are in flight', async () => {
  const items = ['a:1', 'a:2', 'a:3', 'b:1', 'b:2', 'c:1', 'd:1'];
  const running = new Set<string>();
  let most = 0;
  const order: string[] = [];
  await runInLanes(items, {
    concurrency: 2,
    laneOf,
    mayStart: () => true,
    skip: () => assert.fail('nothing is skipped'),
    run: async (item) => {
      assert.ok(![...running].some((other) => laneOf(other) === laneOf(item)), `${item} overlaps its lane`);
      running.add(item);
      most = Math.max(most, running.size);
      await new Promise((resolve) => setImmediate(resolve));
      order.push(item);
      running.delete(item);
    },
  });
  assert.equal(most, 2);
  assert.deepEqual(
    order.filter((item) => item.startsWith('a:')),
    ['a:1', 'a:2', 'a:3'],
  );
  assert.equal(order.length, items.length);
});

test('once mayStart says no, every item not yet started is skipped', async () => {
  const ran: string[] = [];
  const skipped: string[] = [];
  await runInLanes(['a:1', 'a:2', 'b:1', 'c:1'], {
    concurrency: 1,
    laneOf,
    mayStart: () => ran.length < 1,
    run: (item) => Promise.resolve(void ran.push(item)),
    skip: (item) => void skipped.push(item),
  });
  assert.deepEqual(ran, ['a:1']);
  assert.deepEqual(skipped, ['a:2', 'b:1', 'c:1']);
});
