/** `plan --shard I/N` through the CLI: the shards of a real (ocidir) mirror together give the unsharded plan. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../harness/temp.js';
import { copyQuickstart } from '../helpers/quickstart-copy.js';
import { run } from './run.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

interface JsonPlan {
  shard?: { index: number; count: number };
  changes: Array<{ id: string }>;
  skipped: Array<{ ref: string; filter: string }>;
}

async function planJson(extra: string[]): Promise<JsonPlan> {
  const cacheDir = await makeTempDir('regsync-shard-cache-');
  const result = await run(['plan', '-c', 'regsync.yaml', '--json', ...extra], {
    cwd: await copyQuickstart(),
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

  it('apply --shard: the shards of one saved plan, applied by separate workers, together leave nothing to do', async () => {
    const folder = await copyQuickstart();
    const env = { REGSYNC_CACHE_DIR: '' };
    const saved = await run(['plan', '-c', 'regsync.yaml', '-q', '-o', 'plan.json'], { cwd: folder, env });
    assert.equal(saved.code, 0, saved.stderr);
    let created = 0;
    for (const index of [0, 1]) {
      const applied = await run(['apply', 'plan.json', '-c', 'regsync.yaml', '--shard', `${index}/2`, '--json'], { cwd: folder, env });
      assert.equal(applied.code, 0, applied.stderr);
      const result = JSON.parse(applied.stdout) as { summary: { created: number } };
      created += result.summary.created;
    }
    assert.equal(created, 4, 'the two shards together create every tag once');
    const replanned = await run(['plan', '-c', 'regsync.yaml'], { cwd: folder, env });
    assert.match(replanned.stdout, /No changes\./);
  });

  it('apply refuses a plan made for another shard', async () => {
    const folder = await copyQuickstart();
    const env = { REGSYNC_CACHE_DIR: '' };
    assert.equal((await run(['plan', '-c', 'regsync.yaml', '-q', '--shard', '0/2', '-o', 'p.json'], { cwd: folder, env })).code, 0);
    const applied = await run(['apply', 'p.json', '-c', 'regsync.yaml', '--shard', '1/2'], { cwd: folder, env });
    assert.equal(applied.code, 1);
    assert.match(applied.stderr, /the plan was made for shard 0\/2, not 1\/2/);
  });
});
