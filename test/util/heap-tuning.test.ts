/**
 * The heap sizing regsync sets for itself (issue 17): V8's young generation stops growing at 4 MiB semi-spaces
 * instead of 16. Measured in a child process that keeps data while it allocates (as a plan does), by the size V8
 * gives its new space: no timing, no RSS.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { tuneHeap } from '../../src/util/heap-tuning.js';

const MODULE = new URL('../../src/util/heap-tuning.ts', import.meta.url).href;
const TSX = import.meta.resolve('tsx');

/** A child that (when `tuned`) tunes its heap, then allocates 1.5 million objects keeping up to 200 000 alive; its new space in MiB. */
async function youngGenerationMiB(tuned: boolean, env: NodeJS.ProcessEnv = {}): Promise<number> {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { setImmediate as turn } from 'node:timers/promises';
    const { tuneHeap } = await import(${JSON.stringify(MODULE)});
    if (${tuned}) tuneHeap();
    let kept = [];
    for (let batch = 0; batch < 150; batch += 1) {
      for (let i = 0; i < 10000; i += 1) kept.push({ i, text: 'tag-' + i });
      if (kept.length >= 200000) kept = [];
      await turn();
    }
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    console.log(young.space_size / 1048576);
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  return Number(stdout.trim());
}

const onMeasuredV8 = Number(process.versions.v8.split('.')[0]) === 11;

test(
  'tuned, the young generation stays at 4 MiB semi-spaces (8 MiB, one growth more at most); V8 alone grows it to 32',
  { skip: !onMeasuredV8 && 'tuned only on V8 11 (Node 20)' },
  async () => {
    const [tuned, untuned] = await Promise.all([youngGenerationMiB(true), youngGenerationMiB(false)]);
    assert.ok(tuned <= 16, `tuned: ${tuned} MiB`);
    assert.equal(untuned, 32);
  },
);

test('heap flags the user gave win: nothing is tuned', () => {
  assert.equal(tuneHeap({ NODE_OPTIONS: '--max-semi-space-size=2' }, []), false);
  assert.equal(tuneHeap({}, ['--heap-growing-percent=20']), false);
});
