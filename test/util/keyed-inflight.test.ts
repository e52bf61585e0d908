import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedInflight, KeyedQueue } from '../../src/util/keyed-inflight.js';

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

test('KeyedInflight: callers of one key share one run until it settles; other keys and later calls start afresh', async () => {
  const inflight = new KeyedInflight<number>();
  let started = 0;
  const gate = deferred<number>();
  const first = inflight.run('a', () => ((started += 1), gate.promise));
  const second = inflight.run('a', () => ((started += 1), Promise.resolve(-1)));
  const other = inflight.run('b', () => ((started += 1), Promise.resolve(2)));
  assert.deepEqual([first.shared, second.shared, other.shared], [false, true, false]);
  gate.resolve(1);
  assert.deepEqual(await Promise.all([first.promise, second.promise, other.promise]), [1, 1, 2]);
  assert.equal(started, 2);
  assert.equal(inflight.size, 0, 'nothing left behind');
  assert.equal(inflight.run('a', () => Promise.resolve(3)).shared, false);
});

test('KeyedInflight: a failure reaches every caller and frees the key', async () => {
  const inflight = new KeyedInflight<number>();
  const one = inflight.run('k', () => Promise.reject(new Error('boom')));
  const two = inflight.run('k', () => Promise.resolve(0));
  await assert.rejects(one.promise, /boom/);
  await assert.rejects(two.promise, /boom/);
  assert.equal(inflight.size, 0);
});

test('KeyedInflight.runAbortable: a caller leaves on its own signal; the work stops only when every caller has left', async () => {
  const inflight = new KeyedInflight<string>();
  const events: string[] = [];
  const gate = deferred<string>();
  let workSignal: AbortSignal | undefined;
  const start = (signal: AbortSignal): Promise<string> => {
    workSignal = signal;
    signal.addEventListener('abort', () => events.push('work aborted'));
    return gate.promise;
  };
  const a = new AbortController();
  const b = new AbortController();
  const first = inflight.runAbortable('t', a.signal, start).catch((error: Error) => (events.push(`a: ${error.message}`), ''));
  const second = inflight.runAbortable('t', b.signal, start).catch((error: Error) => (events.push(`b: ${error.message}`), ''));
  a.abort(new Error('a stopped'));
  await first;
  assert.deepEqual(events, ['a: a stopped'], 'b still waits, so the work runs on');
  b.abort(new Error('b stopped'));
  await second;
  assert.deepEqual(events.slice(1).sort(), ['b: b stopped', 'work aborted'], 'the last caller gone, the work is stopped');
  assert.equal(workSignal?.aborted, true);
  gate.resolve('late');
});

test('KeyedQueue: one key runs one task at a time in call order, a failure does not stop the next', async () => {
  const queue = new KeyedQueue();
  const order: string[] = [];
  const gate = deferred<void>();
  const first = queue.run('k', async () => {
    order.push('1 start');
    await gate.promise;
    order.push('1 end');
    throw new Error('first failed');
  });
  const second = queue.run('k', () => (order.push('2'), Promise.resolve(2)));
  const other = queue.run('x', () => (order.push('x'), Promise.resolve(0)));
  await other;
  gate.resolve();
  await assert.rejects(first, /first failed/);
  assert.equal(await second, 2);
  assert.deepEqual(order, ['1 start', 'x', '1 end', '2']);
  assert.equal(queue.size, 0);
});
