/** `plan --shard I/N` through the CLI: the shards of a real (ocidir) mirror together give the unsharded plan. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../harness/temp.js';
import { run } from './run.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

interface JsonPlan {
  shard?: { index: number; count: number };
  changes: Array<{ id: string }>;
  skipped: Array<{ ref: string; filter: string }>;
}

async function planJson(extra: string[]): Promise<JsonPlan> {
  const cacheDir = await makeTempDir('regsync-shard-cache-');
  const result = await run(['plan', '-c', 'examples/quickstart/regsync.yaml', '--json', ...extra], {
    cwd: repoRoot,
    env: { REGSYNC_CACHE_DIR: cacheDir, REGSYNC_NOW: '2026-11-28T10:00:00Z' },
  });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as JsonPlan;
}

describe('plan --shard', () => {
  it('N shards together plan exactly what one plan does, each recording its shard', async () => {
    const whole = await planJson([]);
    assert.equal(whole.shard, undefined);
    for (const count of [2, 3]) {
      const parts = await Promise.all(Array.from({ length: count }, (_, index) => planJson(['--shard', `${index}/${count}`])));
      parts.forEach((part, index) => assert.deepEqual(part.shard, { index, count }));
      const ids = parts.flatMap((part) => part.changes.map((change) => change.id)).sort();
      assert.deepEqual(ids, whole.changes.map((change) => change.id).sort());
      const skipped = parts.flatMap((part) => part.skipped.map((s) => `${s.ref} ${s.filter}`)).sort();
      assert.deepEqual(skipped, whole.skipped.map((s) => `${s.ref} ${s.filter}`).sort());
    }
  });

  it('refuses a shard outside 0 <= I < N', async () => {
    const result = await run(['plan', '-c', 'examples/quickstart/regsync.yaml', '--shard', '3/3'], { cwd: repoRoot, env: {} });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /must be I\/N with 0 <= I < N/);
  });
});
