/**
 * A source that refuses its catalog (Docker Hub, GHCR and most clouds do): the plan fails naming the host
 * and the way out, and `repositories.names` plans without the catalog. Real registry behind the fault proxy.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Plan } from '../../src/plan/types.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { seed } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { cli, planEnv } from './plan-fixture.js';

let source: RegistryInstance;
let destination: RegistryInstance;
let proxy: FaultProxy;
let dir: string;

before(async () => {
  await ensureTools();
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  proxy = await startFaultProxy(source);
  dir = await makeTempDir('plan-catalog');
  await seed(source, [{ repository: 'team/app1', tag: 'v1', spec: { created: '2024-01-01T00:00:00Z', content: 'app1' } }]);
});
after(async () => {
  await Promise.all([proxy?.stop(), source?.stop(), destination?.stop()]);
});

async function plan(mirrorExtra: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(dir, 'regsync.yaml');
  await writeFile(
    file,
    `version: 1\nmirrors:\n  - name: apps\n    source: ${proxy.host}/team\n    destination: ${destination.host}/mirror\n    executor: registry\n${mirrorExtra}`,
  );
  return cli(['plan', '-c', file, '--json'], await planEnv(), dir);
}

describe('a source without a catalog', () => {
  it('fails naming the host and saying to list repositories.names', async () => {
    const refuse = proxy.addRule({
      path: /^\/v2\/_catalog/,
      times: 100,
      action: {
        type: 'respond',
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: '{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}',
      },
    });
    const result = await plan('');
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      new RegExp(`cannot list the catalog of ${proxy.host.replace(/\./g, '\\.')}: .*name the repositories under repositories\\.names`),
    );
    assert.ok(refuse() >= 1);
  });

  it('plans from repositories.names without asking for the catalog', async () => {
    const before = proxy.requests.filter((request) => request.path.startsWith('/v2/_catalog')).length;
    const result = await plan('    repositories:\n      names: [app1]\n');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      (JSON.parse(result.stdout) as Plan).changes.map((change) => `${change.action} ${change.target.ref}`),
      [`create ${destination.host}/mirror/app1:v1`],
    );
    assert.equal(proxy.requests.filter((request) => request.path.startsWith('/v2/_catalog')).length, before);
  });
});
