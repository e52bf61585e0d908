import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, createLimiter } from '../../src/util/concurrency.js';
import { InvariantError } from '../../src/util/errors.js';

test('a limiter never runs more than its cap and serves waiters in order', async () => {
  const limiter = createLimiter(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const gates: Array<() => void> = [];
  const tasks = [0, 1, 2, 3, 4].map((i) =>
    limiter.run(async () => {
      running += 1;
      peak = Math.max(peak, running);
      order.push(i);
      await new Promise<void>((resolve) => gates.push(resolve));
      running -= 1;
    }),
  );
  for (let released = 0; released < 5; released += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(limiter.active <= 2);
    gates.shift()?.();
  }
  await Promise.all(tasks);
  assert.equal(peak, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.equal(limiter.active, 0);
});

test('a failing task gives its slot back; a release function works once', async () => {
  const limiter = createLimiter(1);
  await assert.rejects(
    limiter.run(() => Promise.reject(new Error('boom'))),
    /boom/,
  );
  const release = await limiter.acquire();
  release();
  release();
  assert.equal(limiter.active, 0);
  assert.throws(
    () => createLimiter(0),
    (error: unknown) => error instanceof InvariantError && error.invariant === 'a limiter admits a whole number of tasks, at least 1',
  );
});

test('a waiter whose signal fires leaves the queue and does not take a slot', async () => {
  const limiter = createLimiter(1);
  const held = await limiter.acquire();
  const controller = new AbortController();
  const waiting = limiter.acquire(controller.signal);
  assert.equal(limiter.waiting, 1);
  controller.abort();
  await assert.rejects(waiting, { name: 'AbortError' });
  assert.equal(limiter.waiting, 0);
  held();
  assert.equal(limiter.active, 0, 'the released slot went to nobody');
  await assert.rejects(limiter.acquire(controller.signal), { name: 'AbortError' });
  assert.equal(limiter.active, 0);
});

test('after cancel, queued and new tasks reject with CancelledError while running ones finish', async () => {
  const limiter = createLimiter(1);
  let release!: () => void;
  const running = limiter.run(() => new Promise<string>((resolve) => (release = () => resolve('done'))));
  const queued = limiter.run(() => Promise.resolve('never'));
  await new Promise((resolve) => setImmediate(resolve));
  limiter.cancel();
  release();
  assert.equal(await running, 'done');
  await assert.rejects(queued, CancelledError);
  await assert.rejects(
    limiter.run(() => Promise.resolve('late')),
    CancelledError,
  );
  assert.equal(limiter.active, 0, 'the slot the queued task was handed went back');
});
