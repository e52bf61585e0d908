import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapLimited } from '../../src/util/map-limited.js';

/** A task per item that stays pending until released by hand: how many were begun is then exact. */
function gated() {
  const begun: number[] = [];
  const release = new Map<number, { ok: () => void; fail: (error: Error) => void }>();
  const fn = (item: number): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      begun.push(item);
      release.set(item, { ok: () => resolve(item * 10), fail: reject });
    });
  return { begun, release, fn };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('mapLimited', () => {
  it('begins at most `width` tasks, the next only when one ends, and keeps the order of results', async () => {
    const { begun, release, fn } = gated();
    const items = Array.from({ length: 10 }, (_, i) => i);
    const all = mapLimited(items, 3, fn);
    await tick();
    assert.deepEqual(begun, [0, 1, 2]);
    release.get(1)!.ok();
    await tick();
    assert.deepEqual(begun, [0, 1, 2, 3]);
    for (let i = 0; i < 10; i += 1) {
      release.get(i)?.ok();
      await tick();
    }
    for (const item of items) release.get(item)!.ok();
    assert.deepEqual(
      await all,
      items.map((i) => i * 10),
    );
    assert.equal(begun.length, 10);
  });

  it('rejects with the first failure, and still begins every item (the same work whatever fails first)', async () => {
    const { begun, release, fn } = gated();
    const all = mapLimited([0, 1, 2, 3, 4], 2, fn);
    await tick();
    release.get(0)!.fail(new Error('first'));
    await assert.rejects(all, /first/);
    for (let i = 1; i < 5; i += 1) {
      await tick();
      release.get(i)?.fail(new Error(`later ${i}`));
    }
    await tick();
    assert.deepEqual(begun, [0, 1, 2, 3, 4]);
  });

  it('is Promise.all for at most `width` items, and for none', async () => {
    assert.deepEqual(await mapLimited([1, 2], 5, (n) => Promise.resolve(n + 1)), [2, 3]);
    assert.deepEqual(await mapLimited([], 5, (n: number) => Promise.resolve(n)), []);
  });
});
