/** runApply over real OCI layout directories (the quickstart images), with the registry executor wrapped to fail or record. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRegistryExecutor } from '../../src/apply/executors/registry.js';
import { watchInterrupts } from '../../src/apply/interrupts.js';
import { resolveChanges } from '../../src/apply/locations.js';
import { runApply } from '../../src/apply/run.js';
import type { Executor } from '../../src/apply/types.js';
import { createPoolForConfig } from '../../src/run/pool.js';
import { loadConfig } from '../../src/config/load.js';
import type { Plan } from '../../src/plan/types.js';
import { writeQuickstartImages } from '../harness/quickstart-images.js';
import { makeTempDir } from '../harness/temp.js';
import { run } from '../cli/run.js';

const CONFIG = `version: 1
mirrors:
  - name: team
    source: ocidir://./images/team
    destination: ocidir://./mirrored/mirror
    executor: registry
`;

async function lab(): Promise<{
  dir: string;
  plan: Plan;
  start: (executor: Partial<Executor> | null, failFast?: boolean) => ReturnType<typeof runApply>;
}> {
  const dir = await makeTempDir('apply-run');
  await writeQuickstartImages(join(dir, 'images'));
  await writeFile(join(dir, 'regsync.yaml'), CONFIG);
  const env = { REGSYNC_CACHE_DIR: await makeTempDir('apply-run-cache') };
  const planned = await run(['plan', '--json'], { cwd: dir, env });
  assert.equal(planned.code, 0, planned.stderr);
  const plan = JSON.parse(planned.stdout) as Plan;
  const config = await loadConfig({ cwd: dir, env });
  // A null executor leaves the map empty: the plan then names an executor the run does not have.
  const start = (executor: Partial<Executor> | null, failFast = false) => {
    const pool = createPoolForConfig(config, { env });
    const real = createRegistryExecutor({ config, env, pool, dockerBinary: 'docker', warn: () => undefined });
    return runApply({
      plan,
      changes: resolveChanges(
        config,
        pool,
        plan.changes.filter((change) => change.action !== 'noop'),
      ),
      executors: new Map(executor === null ? [] : [['registry', { ...real, ...executor }]]),
      concurrency: 1,
      failFast,
      interrupts: watchInterrupts(new EventEmitter()),
      tree: { renderer: 'silent', stream: { write: () => true } },
      regsyncVersion: '0.0.0',
      secrets: () => [],
      warn: () => undefined,
    });
  };
  return { dir, plan, start };
}

test('an executor that cannot start fails the run before any change, and is still closed', async () => {
  const { start } = await lab();
  let closed = 0;
  const prepare = () => Promise.reject(new Error('engine down'));
  await assert.rejects(start({ prepare, close: () => Promise.resolve(void (closed += 1)) }), /engine down/);
  assert.equal(closed, 1);
});

test('--fail-fast: after the first failure nothing else starts; the executor is closed; the rest is reported skipped', async () => {
  const { start, plan } = await lab();
  let closed = 0;
  const copied: string[] = [];
  const result = await start(
    {
      copy: (change) => (copied.push(change.id), Promise.reject(new Error('registry says no'))),
      close: () => Promise.resolve(void (closed += 1)),
    },
    true,
  );
  assert.equal(copied.length, 1);
  assert.equal(closed, 1);
  assert.deepEqual(
    result.changes.map((change) => change.status),
    result.changes.map((change) => (change.id === copied[0] ? 'failed' : 'skipped')),
  );
  assert.match(
    result.changes.find((change) => change.status === 'failed')!.error!,
    /^create ocidir:\/\/\.\/mirrored\/mirror\/\S+: registry says no$/,
  );
  assert.equal(result.changes.length, plan.summary.create);
});

test('without --fail-fast every change is tried and the real copies land', async () => {
  const { start } = await lab();
  let failures = 0;
  const real = createRegistryExecutor({} as never);
  const result = await start({
    copy: (change, context) =>
      change.target.tag === 'v1.1.0' ? (failures++, Promise.reject(new Error('no'))) : real.copy(change, context),
  });
  assert.equal(failures, 1);
  assert.deepEqual(result.summary, { created: 7, updated: 0, deleted: 0, failed: 1, present: 0, stale: 0, skipped: 0 });
});

test('a change whose executor was never created fails naming the broken invariant, not "unexpected error"', async () => {
  const { start, plan } = await lab();
  const result = await start(null);
  assert.equal(result.changes.length, plan.summary.create);
  for (const change of result.changes) {
    assert.equal(change.status, 'failed');
    assert.match(
      change.error!,
      /^create ocidir:\/\/\.\/mirrored\/mirror\/\S+: internal error: invariant "an executor exists for every executor the plan names" does not hold \(no registry executor for \S+\): a bug in regsync/,
    );
  }
});

test('the run signal takes one listener per operation in flight without a MaxListenersExceededWarning on stderr', async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning);
  process.on('warning', onWarning);
  const interrupts = watchInterrupts(new EventEmitter());
  try {
    const listeners = Array.from({ length: 50 }, () => () => undefined);
    for (const listener of listeners) interrupts.signal.addEventListener('abort', listener);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      warnings.map((warning) => warning.name),
      [],
    );
  } finally {
    interrupts.dispose();
    process.off('warning', onWarning);
  }
});
