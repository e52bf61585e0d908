/**
 * Run by tracker-retention.test.ts as `node --expose-gc --import tsx THIS RENDERER`: applies the quickstart images
 * (OCI layouts, the real registry executor, one change at a time) and, as the last change starts copying, collects
 * garbage and counts the earlier changes' progress trackers still alive. Prints `{"earlier": N, "alive": M}`.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createRegistryExecutor } from '../../src/apply/executors/registry.js';
import { watchInterrupts } from '../../src/apply/interrupts.js';
import { resolveChanges } from '../../src/apply/locations.js';
import { runApply } from '../../src/apply/run.js';
import type { RendererName } from '../../src/apply/tasks.js';
import type { ChangeProgress } from '../../src/apply/types.js';
import { loadConfig } from '../../src/config/load.js';
import type { Plan } from '../../src/plan/types.js';
import { createPoolForConfig } from '../../src/run/pool.js';
import { run } from '../cli/run.js';
import { writeQuickstartImages } from '../harness/quickstart-images.js';
import { makeTempDir } from '../harness/temp.js';

const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('run with node --expose-gc');
const renderer = (process.argv[2] ?? 'silent') as RendererName;

const dir = await makeTempDir('tracker-retention');
await writeQuickstartImages(join(dir, 'images'));
await writeFile(
  join(dir, 'regsync.yaml'),
  'version: 1\nmirrors:\n  - name: team\n    source: ocidir://./images/team\n    destination: ocidir://./mirrored/mirror\n    executor: registry\n',
);
const env = { REGSYNC_CACHE_DIR: await makeTempDir('tracker-retention-cache') };
const planned = await run(['plan', '--json'], { cwd: dir, env });
assert.equal(planned.code, 0, planned.stderr);
const plan = JSON.parse(planned.stdout) as Plan;
const config = await loadConfig({ cwd: dir, env });
const pool = createPoolForConfig(config, { env });
const real = createRegistryExecutor({ config, env, pool, dockerBinary: 'docker', warn: () => undefined });
const changes = resolveChanges(
  config,
  pool,
  plan.changes.filter((change) => change.action !== 'noop'),
);

const seen: WeakRef<ChangeProgress>[] = [];
let report: { earlier: number; alive: number } | null = null;
const result = await runApply({
  plan,
  changes,
  executors: new Map([
    [
      'registry',
      {
        ...real,
        copy: async (change, context) => {
          if (seen.length === changes.length - 1) {
            // The earlier changes are over: only what their results need may be left of them.
            await nextTurn();
            collect();
            report = { earlier: seen.length, alive: seen.filter((ref) => ref.deref() !== undefined).length };
          }
          seen.push(new WeakRef(context.progress));
          return real.copy(change, context);
        },
      },
    ],
  ]),
  concurrency: 1,
  failFast: false,
  interrupts: watchInterrupts(new EventEmitter()),
  tree: { renderer, stream: { write: () => true } },
  regsyncVersion: '0.0.0',
  secrets: () => [],
  warn: () => undefined,
});
assert.equal(result.summary.created, changes.length, JSON.stringify(result.summary));
process.stdout.write(`${JSON.stringify(report)}\n`);
