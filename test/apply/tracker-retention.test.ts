/**
 * Apply keeps of a finished change only its result (issue 17: memory bounded by the work in flight, not by the
 * number of tags): no progress tracker of a change that is over stays alive, with or without a task tree.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const PROBE = fileURLToPath(new URL('./tracker-retention-probe.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

async function retained(renderer: 'silent' | 'simple'): Promise<{ earlier: number; alive: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', TSX, PROBE, renderer]);
  return JSON.parse(stdout.trim().split('\n').pop()!) as { earlier: number; alive: number };
}

for (const renderer of ['silent', 'simple'] as const) {
  test(`apply (${renderer === 'silent' ? '--json, no task tree' : 'the simple task tree'}) lets go of a change's tracker when it finishes`, async () => {
    const { earlier, alive } = await retained(renderer);
    // Seven of the quickstart's eight copies are over when the last one starts.
    assert.equal(earlier, 7);
    assert.equal(alive, 0);
  });
}
