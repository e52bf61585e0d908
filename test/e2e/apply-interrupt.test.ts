/**
 * Interrupting `regsync apply`, against REAL registries: a real SIGINT to the CLI process lets the change in flight
 * finish, starts nothing more, closes the executors and prints the interrupted summary (exit 130); a second
 * interrupt stops the change in flight at once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { runCli } from '../../src/program.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { rawManifest } from '../harness/images.js';
import { parseApplyResult, REGISTRY_CONFIG, startApplyLab } from './apply-fixture.js';
import { cli, planEnv } from './plan-fixture.js';
import type { Lab } from './plan-fixture.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
// Resolved here: the CLI runs from the lab directory, where `--import tsx` would not find the package.
const TSX = import.meta.resolve('tsx');

let lab: Lab | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.stop();
  await lab?.stop();
});

/** A lab whose source is read through a fault proxy, and a plan saved through it (rules are added after). */
async function proxiedSource(): Promise<{ lab: Lab; proxy: FaultProxy; config: string; file: string }> {
  const started = await startApplyLab();
  lab = started.lab;
  proxy = await startFaultProxy(started.lab.source);
  const config = await started.lab.writeConfig('proxied.yaml', REGISTRY_CONFIG.replaceAll('SRC', proxy.host));
  const file = join(started.lab.dir, 'plan.json');
  const planned = await cli(['plan', '-c', config, '--out', file], await planEnv(), started.lab.dir);
  assert.equal(planned.code, 0, planned.stderr);
  return { lab: started.lab, proxy, config, file };
}

const FIRST_BLOB = /^\/v2\/team\/app1\/blobs\//;

describe('regsync apply: interrupts', () => {
  it('SIGINT to the process: the change in flight finishes, nothing else starts, exit 130 with the interrupted summary', async () => {
    const { lab, proxy, config, file } = await proxiedSource();
    const env = { ...(await planEnv()), PATH: process.env.PATH };
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'apply', '-c', config, file, '--json', '--concurrency', '1'], {
      cwd: lab.dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proxy.addRule({ method: 'GET', path: FIRST_BLOB, action: { type: 'hook', run: () => void child.kill('SIGINT') } });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 130, stderr);
    const result = parseApplyResult(stdout);
    assert.equal(result.interrupted, true);
    const done = result.changes.filter((change) => change.status === 'done');
    assert.equal(done.length, 1, JSON.stringify(result.changes));
    assert.ok(done[0]!.id.startsWith('apps:') && done[0]!.id.includes('/mirror/app1:'), done[0]!.id);
    assert.ok(result.changes.filter((change) => change.status !== 'done').every((change) => change.status === 'skipped'));
    assert.match(stderr, /Apply interrupted: [01] created, [01] updated, 0 deleted, 0 failed, 8 skipped\.\n$/);
    assert.notEqual(await rawManifest(lab.destination, 'mirror/app1', 'old'), null, 'the delete never started');
  });

  it('a second interrupt stops the change in flight at once; it is reported failed, the rest skipped', async () => {
    const { lab, proxy, config, file } = await proxiedSource();
    const signals = new EventEmitter();
    proxy.addRule({
      method: 'GET',
      path: FIRST_BLOB,
      action: {
        type: 'hook',
        run: () => {
          signals.emit('SIGINT');
          signals.emit('SIGINT');
        },
      },
    });
    let stdout = '';
    let stderr = '';
    const code = await runCli(['apply', '-c', config, file, '--json', '--concurrency', '1'], {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: await planEnv(),
      cwd: lab.dir,
      signals,
    });
    assert.equal(code, 130, stderr);
    const result = parseApplyResult(stdout);
    const failed = result.changes.filter((change) => change.status === 'failed');
    assert.equal(failed.length, 1, JSON.stringify(result.changes));
    assert.ok(failed[0]!.id.includes('/mirror/app1:v1.'), failed[0]!.id);
    assert.match(failed[0]!.error ?? '', /interrupted before it finished/);
    assert.equal(result.summary.skipped, result.changes.length - 1);
    assert.equal(signals.listenerCount('SIGINT'), 0, 'the listeners are removed when the run ends');
  });
});
