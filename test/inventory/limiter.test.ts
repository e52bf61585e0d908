import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, createLimiter } from '../../src/inventory/limiter.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('createLimiter', () => {
  it('never runs more tasks at once than its bound, and runs them all', async () => {
    const limiter = createLimiter(3);
    let active = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        limiter.run(async () => {
          active += 1;
          peak = Math.max(peak, active);
          await tick();
          active -= 1;
          return n;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.deepEqual(
      results,
      Array.from({ length: 20 }, (_, n) => n),
    );
  });

  it('after cancel, queued and new tasks reject with CancelledError while running ones finish', async () => {
    const limiter = createLimiter(1);
    let release!: () => void;
    const running = limiter.run(() => new Promise<string>((resolve) => (release = () => resolve('done'))));
    const queued = limiter.run(() => Promise.resolve('never'));
    await tick();
    limiter.cancel();
    release();
    assert.equal(await running, 'done');
    await assert.rejects(queued, CancelledError);
    await assert.rejects(
      limiter.run(() => Promise.resolve('late')),
      CancelledError,
    );
  });
});
