import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RemovalQueue } from '../../src/apply/executors/removal-queue.js';
import type { QueuedImage } from '../../src/apply/executors/removal-queue.js';

function image(name: string, inUse = false): QueuedImage {
  return { id: `sha256:${name}`, references: [`reg/${name}:t`], inUse };
}

function recordingQueue(limit: number, refuse: Set<string> = new Set()) {
  const removed: string[] = [];
  const queue = new RemovalQueue(limit, async (queued) => {
    await new Promise((resolve) => setImmediate(resolve));
    removed.push(queued.id!);
    return refuse.has(queued.id!) ? `docker image rm ${queued.references.join(' ')} failed: conflict` : null;
  });
  return { queue, removed };
}

describe('RemovalQueue: FIFO with a limit', () => {
  it('removes the oldest beyond the limit, one per added image, and the rest on drain, oldest first', async () => {
    const { queue, removed } = recordingQueue(2);
    for (const name of ['a', 'b']) await queue.add(image(name));
    assert.deepEqual(removed, []);
    await queue.add(image('c'));
    assert.deepEqual(removed, ['sha256:a']);
    await queue.add(image('d'));
    assert.deepEqual(removed, ['sha256:a', 'sha256:b']);
    assert.equal(queue.size, 2);
    assert.deepEqual(await queue.drain(), []);
    assert.deepEqual(removed, ['sha256:a', 'sha256:b', 'sha256:c', 'sha256:d']);
    assert.equal(queue.size, 0);
  });

  it('counts an image in use but never removes it before release; limit 0 removes each image when released', async () => {
    const { queue, removed } = recordingQueue(1);
    const first = image('first', true);
    await queue.add(first);
    const second = image('second', true);
    await queue.add(second);
    assert.deepEqual(removed, [], 'both in use: over the limit, yet nothing to remove');
    await queue.release(first);
    assert.deepEqual(removed, ['sha256:first']);

    const zero = recordingQueue(0);
    const only = image('only', true);
    await zero.queue.add(only);
    assert.deepEqual(zero.removed, []);
    await zero.queue.release(only);
    assert.deepEqual(zero.removed, ['sha256:only']);
  });

  it('concurrent adds never remove one image twice, and refusals are reported by drain', async () => {
    const { queue, removed } = recordingQueue(1, new Set(['sha256:b']));
    await Promise.all(['a', 'b', 'c', 'd'].map((name) => queue.add(image(name))));
    assert.deepEqual(removed, ['sha256:a', 'sha256:b', 'sha256:c']);
    assert.deepEqual(await queue.drain(), ['docker image rm reg/b:t failed: conflict']);
    assert.deepEqual(removed, ['sha256:a', 'sha256:b', 'sha256:c', 'sha256:d']);
  });

  it('a removal started by release() and left running holds back the next add() until it is done', async () => {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const removed: string[] = [];
    const queue = new RemovalQueue(0, async (queued) => {
      await gate;
      removed.push(queued.id!);
      return null;
    });
    const first = image('first', true);
    await queue.add(first);
    // The docker executor does not wait for this (its worker goes on to the next pull) ...
    const released = queue.release(first);
    let added = false;
    const next = queue.add(image('next', true)).then(() => (added = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(added, false, 'the next image joins only once the removal before it is done');
    assert.deepEqual(removed, []);
    open();
    await Promise.all([released, next]);
    assert.deepEqual(removed, ['sha256:first']);
    assert.equal(queue.size, 1);
  });
});
