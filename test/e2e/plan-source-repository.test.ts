/**
 * Issue 14 item 6: a source that names one repository (no repositories section) mirrors that repository, listed
 * by its tags, and lands under the destination prefix by its last path component; a source prefix that is a
 * namespace keeps mirroring the repositories under it. Real Distribution registries; the catalog is refused (as
 * Docker Hub, GHCR and most clouds do) through the fault proxy in front of the same source.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Plan } from '../../src/plan/types.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { rawManifest, seed } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { cli, planEnv } from './plan-fixture.js';

let source: RegistryInstance;
let destination: RegistryInstance;
/** The same source, whose catalog answers 404 while `refuseCatalog` is set. */
let proxy: FaultProxy;
let dir: string;

const image = (repository: string, tag: string) => ({
  repository,
  tag,
  spec: { created: '2024-01-01T00:00:00Z', content: `${repository}:${tag}` },
});

before(async () => {
  await ensureTools();
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  proxy = await startFaultProxy(source);
  dir = await makeTempDir('plan-source-repository');
  // team/app1 is a repository with tags and has a repository nested under it; team itself has no tags.
  await seed(source, [image('team/app1', 'v1'), image('team/app1', 'v2'), image('team/app1/sub', 'v1'), image('team/app2', 'v1')]);
});
after(async () => {
  await Promise.all([proxy?.stop(), source?.stop(), destination?.stop()]);
});

function refuseCatalog(): () => number {
  return proxy.addRule({
    path: /^\/v2\/_catalog/,
    times: 1000,
    action: {
      type: 'respond',
      status: 404,
      headers: { 'content-type': 'application/json' },
      body: '{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}',
    },
  });
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cli(argv, await planEnv(), dir);
}

async function planOf(name: string, mirror: string): Promise<{ code: number; targets: string[]; stderr: string }> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, `version: 1\nmirrors:\n  - name: ${name}\n    executor: registry\n${mirror}`);
  const result = await run(['plan', '-c', file, '--json']);
  if (result.code !== 0) return { code: result.code, targets: [], stderr: result.stderr };
  const plan = JSON.parse(result.stdout) as Plan;
  return {
    code: 0,
    targets: plan.changes
      .filter((change) => change.action !== 'noop')
      .map((change) => `${change.action} ${change.source?.ref ?? ''} -> ${change.target.ref}`),
    stderr: result.stderr,
  };
}

const tagLists = (repository: string): number =>
  proxy.requests.filter((request) => request.path.startsWith(`/v2/${repository}/tags/list`)).length;

describe('a source that names a repository', () => {
  it('with a catalog: mirrors that one repository (not the one nested under it) to DESTINATION/<last component>, and apply writes it', async () => {
    const result = await planOf('single', `    source: ${source.host}/team/app1\n    destination: ${destination.host}/mirror\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.targets, [
      `create ${source.host}/team/app1:v1 -> ${destination.host}/mirror/app1:v1`,
      `create ${source.host}/team/app1:v2 -> ${destination.host}/mirror/app1:v2`,
    ]);
    const applied = await run(['apply', '--yes', '-c', join(dir, 'single.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
    const [copied, original] = await Promise.all([rawManifest(destination, 'mirror/app1', 'v2'), rawManifest(source, 'team/app1', 'v2')]);
    assert.equal(copied?.digest, original?.digest);
    assert.equal(await rawManifest(destination, 'mirror/app1/sub', 'v1'), null);
    const again = await planOf('single', `    source: ${source.host}/team/app1\n    destination: ${destination.host}/mirror\n`);
    assert.deepEqual(again.targets, [], 'nothing left to do after apply');
  });

  it('without a catalog: lists its tags directly', async () => {
    const refused = refuseCatalog();
    try {
      const before = tagLists('team/app1');
      const result = await planOf('nocatalog', `    source: ${proxy.host}/team/app1\n    destination: ${destination.host}/other\n`);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.targets, [
        `create ${proxy.host}/team/app1:v1 -> ${destination.host}/other/app1:v1`,
        `create ${proxy.host}/team/app1:v2 -> ${destination.host}/other/app1:v2`,
      ]);
      assert.ok(refused() >= 1, 'the catalog was asked for and refused');
      assert.equal(tagLists('team/app1') - before, 1, 'the tags of the source itself were listed once');
    } finally {
      proxy.clearRules();
    }
  });

  it('with a rename: the rename sees the whole source path', async () => {
    const result = await planOf(
      'renamed',
      `    source: ${source.host}/team/app1\n    destination: ${destination.host}/mirror\n    rename: 'copies/\\1-\\2'\n`,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.targets, [
      `create ${source.host}/team/app1:v1 -> ${destination.host}/mirror/copies/team-app1:v1`,
      `create ${source.host}/team/app1:v2 -> ${destination.host}/mirror/copies/team-app1:v2`,
    ]);
  });

  it('on the sync.sh command line, without a catalog', async () => {
    proxy.addRule({ path: /^\/v2\/_catalog/, times: 1000, action: { type: 'respond', status: 404, body: '' } });
    try {
      const result = await run(['plan', `${proxy.host}/team/app1`, `${destination.host}/flags`, '--executor', 'registry', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const targets = (JSON.parse(result.stdout) as Plan).changes
        .filter((change) => change.action !== 'noop')
        .map((change) => change.target.ref);
      assert.deepEqual(targets, [`${destination.host}/flags/app1:v1`, `${destination.host}/flags/app1:v2`]);
    } finally {
      proxy.clearRules();
    }
  });
});

describe('a source prefix that is a namespace', () => {
  it('keeps mirroring the repositories under it, without listing tags of the prefix itself', async () => {
    const before = tagLists('team');
    const result = await planOf('namespace', `    source: ${proxy.host}/team\n    destination: ${destination.host}/ns\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.targets, [
      `create ${proxy.host}/team/app1:v1 -> ${destination.host}/ns/app1:v1`,
      `create ${proxy.host}/team/app1:v2 -> ${destination.host}/ns/app1:v2`,
      `create ${proxy.host}/team/app1/sub:v1 -> ${destination.host}/ns/app1/sub:v1`,
      `create ${proxy.host}/team/app2:v1 -> ${destination.host}/ns/app2:v1`,
    ]);
    assert.equal(tagLists('team') - before, 0, 'a namespace the catalog lists repositories under costs no tag listing');
  });

  it('without a catalog still fails naming the catalog, after finding no tags at the prefix itself', async () => {
    refuseCatalog();
    try {
      const result = await planOf('namespace-nocatalog', `    source: ${proxy.host}/team\n    destination: ${destination.host}/ns\n`);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /cannot list the catalog of 127\.0\.0\.1:\d+: .*name the repositories under repositories\.names/);
    } finally {
      proxy.clearRules();
    }
  });
});
