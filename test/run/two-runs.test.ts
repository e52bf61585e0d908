import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { openRunContext, planRun } from '../../src/run/index.js';
import type { RunContext } from '../../src/run/index.js';
import { isRegsyncError } from '../../src/util/errors.js';
import { pushImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';

// Two runs in one process (what a long-running mode does every cycle) share nothing they should not: each has its
// own pools, CA file, credentials, memo and in-flight maps, and closing one leaves the other working.
const NOW = () => new Date('2024-07-01T00:00:00Z');

let source: RegistryInstance;
let dir: string;

before(async () => {
  source = await startRegistry({ auth: 'htpasswd', tls: true });
  await pushImage(source, 'team/app', 'v1', { created: '2024-03-01T00:00:00Z', platforms: ['linux/amd64', 'linux/arm64'] });
  dir = await makeTempDir('two-runs');
});
after(() => source.stop());

/** A config reading the TLS source (credentials from DOCKER_CONFIG) into an ocidir destination. */
async function config(env: NodeJS.ProcessEnv): Promise<Config> {
  const file = join(dir, 'regsync.yaml');
  await writeFile(
    file,
    `version: 1
registries:
  "${source.host}":
    tls: enabled
    caFile: ${source.caFile}
mirrors:
  - name: apps
    source: ${source.host}/team
    destination: ocidir://./out
    executor: registry
`,
  );
  return loadConfig({ configFile: file, cwd: dir, env });
}

/** DOCKER_CONFIG/config.json with these credentials for the source. */
async function dockerLogin(configDir: string, password: string): Promise<void> {
  const auth = Buffer.from(`${source.credentials!.username}:${password}`).toString('base64');
  await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [source.host]: { auth } } }));
}

async function environment(): Promise<NodeJS.ProcessEnv> {
  const dockerConfig = await makeTempDir('two-runs-docker');
  await dockerLogin(dockerConfig, source.credentials!.password);
  const ca = join(await makeTempDir('two-runs-ca'), 'extra.pem');
  await copyFile(source.caFile!, ca);
  return { DOCKER_CONFIG: dockerConfig, NODE_EXTRA_CA_CERTS: ca, REGSYNC_CACHE_DIR: '', HOME: dir };
}

const plan = (run: RunContext) => planRun(run.config, { version: '0.0.0-test', mirrors: [], shard: null, context: run }, NOW);

/** What a closed run must not hold: no pool open, no read or write in flight. */
function assertEmpty(run: RunContext): void {
  assert.equal(run.openPools, 0, 'no pool left open');
  assert.equal(run.factsInFlight.size, 0, 'no manifest read in flight');
  assert.equal(run.shares.blobs.size + run.shares.children.size + run.shares.tagPuts.size, 0, 'no copy write in flight');
}

describe('two runs in one process', () => {
  it('closing run A leaves run B working; a closed run opens no registry; in-flight maps are empty after close', async () => {
    const env = await environment();
    const cfg = await config(env);
    const a = openRunContext(cfg, { env });
    const b = openRunContext(cfg, { env });
    const first = await plan(a);
    assert.deepEqual(first.problems, []);
    assert.equal(first.plan.summary.create, 1);
    await a.close();
    assertEmpty(a);
    assert.throws(() => a.openPool(), /this run is closed/);
    await assert.rejects(plan(a), /this run is closed/);

    const second = await plan(b);
    assert.equal(second.plan.summary.create, 1);
    assert.ok(second.stats.requests > 0, 'run B read the registry itself');
    await b.close();
    assertEmpty(b);
    assert.notEqual(a.memo, b.memo);
    assert.notEqual(a.extraCa, b.extraCa);
  });

  it('a credentials file changed between two runs is read again by the second', async () => {
    const env = await environment();
    const cfg = await config(env);
    const a = openRunContext(cfg, { env });
    try {
      assert.equal((await plan(a)).plan.summary.create, 1);
    } finally {
      await a.close();
    }
    await dockerLogin(env.DOCKER_CONFIG!, 'not-the-password');
    const b = openRunContext(cfg, { env });
    try {
      await assert.rejects(plan(b), (error: unknown) => isRegsyncError(error) && /authentication failed/i.test(error.message));
    } finally {
      await b.close();
    }
    assertEmpty(b);
  });

  it('a NODE_EXTRA_CA_CERTS file changed between two runs is read again by the second, once per run', async () => {
    const env = await environment();
    const cfg = await config(env);
    const a = openRunContext(cfg, { env });
    try {
      assert.equal((await plan(a)).plan.summary.create, 1);
      await writeFile(env.NODE_EXTRA_CA_CERTS!, 'not a certificate\n');
      // Run A read the file when it opened its first pool: the change does not reach a run already going.
      assert.doesNotThrow(() => a.openPool());
      const b = openRunContext(cfg, { env });
      try {
        await assert.rejects(plan(b), /cannot use NODE_EXTRA_CA_CERTS file .*it holds no PEM certificate/);
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
    assertEmpty(a);
  });
});
