import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { abortableDelay, onAbort } from '../../src/util/abort-listeners.js';
import { createLimiter } from '../../src/util/concurrency.js';

/** Collects the process warnings emitted while `work` runs (Node emits them on a later tick). */
async function warningsDuring(work: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (warning: Error): void => void seen.push(`${warning.name}: ${warning.message}`);
  process.on('warning', listener);
  try {
    await work();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

test('fifty waiters on one signal put one listener on it, and all hear the abort', async () => {
  const controller = new AbortController();
  const heard: number[] = [];
  const warnings = await warningsDuring(() => {
    for (let i = 0; i < 50; i += 1) onAbort(controller.signal, () => heard.push(i));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    controller.abort();
    return Promise.resolve();
  });
  assert.deepEqual(warnings, []);
  assert.equal(heard.length, 50);
});

test('a waiter that unregisters is not called, and a fired signal calls nothing new', () => {
  const controller = new AbortController();
  let calls = 0;
  const stop = onAbort(controller.signal, () => (calls += 1));
  stop();
  controller.abort();
  onAbort(controller.signal, () => (calls += 1));
  assert.equal(calls, 0);
});

test('abortableDelay resolves after its time, or rejects with the reason when the signal fires', async () => {
  await abortableDelay(1);
  const controller = new AbortController();
  const waiting = abortableDelay(60_000, controller.signal);
  controller.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  await assert.rejects(abortableDelay(1, controller.signal), /stop/);
});

test('forty limiter waiters and delays on one signal: no MaxListenersExceededWarning, one listener', async () => {
  const controller = new AbortController();
  const limiter = createLimiter(1);
  const warnings = await warningsDuring(async () => {
    const hold = await limiter.acquire(controller.signal);
    const queued = Array.from({ length: 20 }, () => limiter.acquire(controller.signal));
    const delays = Array.from({ length: 20 }, () => abortableDelay(60_000, controller.signal));
    assert.equal(limiter.waiting, 20);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    controller.abort();
    const settled = await Promise.allSettled([...queued, ...delays]);
    assert.ok(settled.every((outcome) => outcome.status === 'rejected'));
    hold();
  });
  assert.deepEqual(warnings, []);
  assert.equal(limiter.waiting, 0);
});
