/**
 * The planner's seeded scenario applied through the CLI with both executors, against REAL registries and a REAL
 * dockerd: registry-executor destinations byte-identical, docker-executor destinations carrying the source's config
 * digest for the pulled platform, then `plan` says No changes.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Plan } from '../../src/plan/types.js';
import { startDockerd } from '../harness/dockerd.js';
import type { DockerdInstance } from '../harness/dockerd.js';
import { rawManifest } from '../harness/images.js';
import { assertByteIdentical, parseApplyResult } from './apply-fixture.js';
import { cli, MAIN_CONFIG, planEnv, startLab } from './plan-fixture.js';
import type { Lab } from './plan-fixture.js';

let lab: Lab;
let docker: DockerdInstance;
before(async () => {
  [lab, docker] = await Promise.all([startLab(), startDockerd()]);
});
after(() => Promise.all([lab?.stop(), docker?.stop()]));

/** The config digest of an image manifest at a registry (the image ID docker keeps through a push). */
async function configDigest(at: Lab['source'], repository: string, reference: string): Promise<string> {
  const manifest = await rawManifest(at, repository, reference);
  assert.ok(manifest !== null, `${repository}:${reference} is missing`);
  return (JSON.parse(manifest.bytes.toString('utf8')) as { config: { digest: string } }).config.digest;
}

it('applies the seeded plan with the registry and docker executors; plan then says No changes.', async () => {
  const config = await lab.writeConfig('regsync.yaml', MAIN_CONFIG);
  const env = await planEnv({ ...docker.env, PATH: process.env.PATH });
  const planned = await cli(['plan', '-c', config, '--json'], env, lab.dir);
  assert.equal(planned.code, 0, planned.stderr);
  const plan = JSON.parse(planned.stdout) as Plan;

  const result = await cli(['apply', '-c', config, '--yes', '--json'], env, lab.dir);
  assert.equal(result.code, 0, result.stderr);
  const applied = parseApplyResult(result.stdout);
  assert.ok(
    applied.changes.every((change) => change.status === 'done'),
    JSON.stringify(applied.changes),
  );
  assert.match(result.stderr, /Apply complete: 4 created, 1 updated, 1 deleted, 0 failed\.\n$/);

  for (const change of plan.changes.filter((c) => c.action === 'create' || c.action === 'update')) {
    const { source, target } = change;
    if (change.executor === 'registry') {
      await assertByteIdentical(lab.source, source!.repository, lab.destination, target.repository, target.tag!);
      continue;
    }
    // Docker re-encodes: the manifest differs, the pulled platform's config digest (image ID) is kept.
    const wanted = source!.configDigest;
    assert.ok(wanted !== null, change.id);
    assert.equal(await configDigest(lab.destination, target.repository, target.tag!), wanted, change.id);
  }
  const again = await cli(['plan', '-c', config], env, lab.dir);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /No changes\./);
});
