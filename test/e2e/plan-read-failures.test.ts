/**
 * Issue 18, "one failing repository fails alone": one source repository is unreadable (the fault proxy answers 503
 * to its manifests, every time, so every retry fails too) on a REAL Distribution registry. `plan` lists it under
 * "Failed to read" with host, repository and cause, plans the other repositories and exits 1; `apply` copies the
 * others and exits 1 naming the failure. (Before, the first failed read stopped the whole plan: no change at all.)
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { rawManifest, seed } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { cli, planEnv } from './plan-fixture.js';

const REPOSITORIES = ['app1', 'app2', 'app3'];

let source: RegistryInstance;
let destination: RegistryInstance;
let proxy: FaultProxy;
let dir: string;

before(async () => {
  await ensureTools();
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  await seed(
    source,
    REPOSITORIES.map((name) => ({
      repository: `team/${name}`,
      tag: 'v1',
      spec: { content: `fails-alone-${name}`, created: '2024-03-01T00:00:00Z' },
    })),
  );
  proxy = await startFaultProxy(source);
  // Persistent: every manifest request of team/app2, whatever the method, answers 503.
  proxy.addRule({ path: /^\/v2\/team\/app2\/manifests\//, times: 100_000, action: { type: 'respond', status: 503 } });
  dir = await makeTempDir('plan-read-failures');
  await writeFile(
    join(dir, 'regsync.yaml'),
    `mirrors:
  - name: apps
    source: ${proxy.host}/team
    destination: ${destination.host}/mirror
    executor: registry
`,
  );
});
after(async () => {
  await Promise.all([proxy?.stop(), source?.stop(), destination?.stop()]);
});

describe('one unreadable source repository fails alone', () => {
  it('plan lists it under failures, plans the others and exits 1', async () => {
    const result = await cli(['plan', '--no-color'], await planEnv(), dir);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^Failed to read 1 repository:$/m, result.stdout);
    const failure = result.stdout.split('\n').find((line) => line.includes('✗'));
    assert.ok(failure !== undefined, result.stdout);
    assert.ok(failure.includes(`${proxy.host}/team/app2`), failure);
    assert.match(failure, /mirror apps/);
    assert.match(failure, /503/, 'the cause is named');
    assert.match(result.stdout, new RegExp(`\\+ create ${destination.host}/mirror/app1:v1`));
    assert.match(result.stdout, new RegExp(`\\+ create ${destination.host}/mirror/app3:v1`));
    assert.doesNotMatch(result.stdout, /mirror\/app2:v1/);
    assert.match(result.stderr, new RegExp(`regsync: failed to read ${proxy.host}/team/app2: `));
  });

  it('the markdown plan has a "Failed to read" section', async () => {
    const result = await cli(['plan', '--format', 'markdown'], await planEnv(), dir);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^### Failed to read 1 repository$/m, result.stdout);
    assert.match(result.stdout, new RegExp(`^- ${proxy.host}/team/app2 \\(mirror apps\\): .*503`, 'm'));
  });

  it('plan --json carries failures: [{mirror, host, repository, error}] and exits 1', async () => {
    const result = await cli(['plan', '--json'], await planEnv(), dir);
    assert.equal(result.code, 1, result.stderr);
    const plan = JSON.parse(result.stdout) as { failures?: { mirror: string; host: string; repository: string; error: string }[] };
    assert.deepEqual(
      plan.failures?.map(({ mirror, host, repository }) => ({ mirror, host, repository })),
      [{ mirror: 'apps', host: proxy.host, repository: 'team/app2' }],
    );
    assert.match(plan.failures[0]!.error, /503/);
  });

  it('apply copies the others and exits 1 naming the failure', async () => {
    const result = await cli(['apply', '--yes', '--no-color'], await planEnv(), dir);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`regsync: failed to read ${proxy.host}/team/app2: .*503`));
    for (const name of ['app1', 'app3']) {
      assert.notEqual(await rawManifest(destination, `mirror/${name}`, 'v1'), null, `mirror/${name}:v1 was copied`);
    }
    assert.equal(await rawManifest(destination, 'mirror/app2', 'v1'), null);
  });
});
