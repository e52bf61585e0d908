/**
 * Ctrl-C while `regsync plan` reads the registries: the real process says `regsync: interrupted` on stderr and
 * exits 130 (it used to exit 130 without a word). The source is a server that accepts and never answers, so the
 * plan is certainly still reading when the SIGINT arrives.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { regsyncArgv } from '../harness/regsync-argv.js';
import { startStallingServer } from '../harness/stalling-server.js';
import type { StallingServer } from '../harness/stalling-server.js';
import { makeTempDir } from '../harness/temp.js';
import { planEnv } from './plan-fixture.js';

/** Resolves once `ready()` holds; checked on each tick of a short poll (a wait for an event, not a measurement). */
async function until(ready: () => boolean, exited: Promise<unknown>): Promise<void> {
  let ended = false;
  void exited.then(() => (ended = true));
  while (!ready()) {
    if (ended) throw new Error('the process ended first');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('regsync plan: Ctrl-C', () => {
  let stalled: StallingServer;
  before(async () => {
    stalled = await startStallingServer();
  });
  after(async () => {
    await stalled?.stop();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const [code, line] = signal === 'SIGINT' ? [130, 'regsync: interrupted'] : [143, 'regsync: terminated'];
    it(`${signal} while reading the registries: "${line}" on stderr, exit ${code}`, async () => {
      const dir = await makeTempDir('plan-interrupt-');
      const config = join(dir, 'regsync.yaml');
      await writeFile(
        config,
        ['version: 1', 'mirrors:', '  - name: stalled', `    source: ${stalled.host}/team`, `    destination: ${stalled.host}/mirror`].join(
          '\n',
        ),
      );
      const [node, ...args] = regsyncArgv(['plan', '-c', config]);
      const child = spawn(node!, args, { cwd: dir, env: await planEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const connectionsBefore = stalled.connections;
      await until(() => stalled.connections > connectionsBefore, exited);
      child.kill(signal);
      assert.equal(await exited, code, stderr);
      assert.equal(stderr, `${line}\n`);
      assert.equal(stdout, '');
    });
  }
});
