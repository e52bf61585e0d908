/**
 * `regsync apply` with the docker executor, end to end: the real CLI against a private dockerd and real
 * Distribution registries (credentials for the destination held by regsync), and the same run interrupted by
 * SIGINT in a real process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApplyResult } from '../../src/apply/types.js';
import { startDockerd } from '../harness/dockerd.js';
import type { DockerdInstance } from '../harness/dockerd.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { buildImage, pushImage, rawManifest } from '../harness/images.js';
import type { ImageSpec, PushedImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { cli } from './plan-fixture.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CREATED = '2024-03-01T00:00:00Z';
const TAGS = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'];
const spec = (tag: string): ImageSpec => ({ created: CREATED, content: `cli-${tag}` });
const MULTI: ImageSpec = { created: CREATED, content: 'cli-multi', platforms: ['linux/amd64', 'linux/arm64'] };

let docker: DockerdInstance;
let upstream: RegistryInstance;
/** The source as the config names it: a proxy in front of `upstream`, to act at an exact point of a pull. */
let source: FaultProxy;
let destination: RegistryInstance;
const pushed = new Map<string, PushedImage>();

before(async () => {
  [docker, upstream, destination] = await Promise.all([startDockerd(), startRegistry(), startRegistry({ auth: 'htpasswd' })]);
  source = await startFaultProxy(upstream);
  for (const tag of TAGS) pushed.set(tag, await pushImage(upstream, 'team/app', tag, spec(tag)));
  pushed.set('multi', await pushImage(upstream, 'team/multi', 'v1', MULTI));
});
after(() => Promise.all([docker?.stop(), source?.stop(), upstream?.stop(), destination?.stop()]));

/** A lab dir with regsync.yaml (one docker mirror, destination credentials from the environment) and the run's env. */
async function applyLab(
  repositories: string[],
  prefix: string,
): Promise<{ dir: string; config: string; tmp: string; env: NodeJS.ProcessEnv }> {
  const dir = await makeTempDir('apply-docker-cli');
  const config = join(dir, 'regsync.yaml');
  await writeFile(
    config,
    [
      'version: 1',
      'registries:',
      `  "${destination.host}":`,
      '    username: ${DST_USER}',
      '    password: ${DST_PASSWORD}',
      'mirrors:',
      '  - name: dock',
      `    source: ${source.host}/team`,
      `    destination: ${destination.host}/${prefix}`,
      '    executor: docker',
      '    removalQueue: 2',
      '    repositories:',
      `      names: [${repositories.join(', ')}]`,
      '',
    ].join('\n'),
  );
  const tmp = await makeTempDir('apply-docker-tmp');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: await makeTempDir('apply-docker-home'),
    TMPDIR: tmp,
    REGSYNC_CACHE_DIR: await makeTempDir('apply-docker-cache'),
    XDG_RUNTIME_DIR: await makeTempDir('apply-docker-runtime'),
    DOCKER_HOST: docker.host,
    DOCKER_CONFIG: await makeTempDir('apply-docker-user-config'),
    DST_USER: destination.credentials!.username,
    DST_PASSWORD: destination.credentials!.password,
  };
  return { dir, config, tmp, env };
}

const configDigestAt = async (repository: string, tag: string): Promise<string | null> => {
  const manifest = await rawManifest(destination, repository, tag);
  return manifest === null ? null : (JSON.parse(manifest.bytes.toString('utf8')) as { config: { digest: string } }).config.digest;
};

/** Image IDs in the engine now. */
async function localImageIds(): Promise<Set<string>> {
  const listed = await docker.docker(['image', 'ls', '--all', '--quiet', '--no-trunc']);
  assert.equal(listed.exitCode, 0, listed.stderr);
  return new Set(listed.stdout.split('\n').filter((line) => line !== ''));
}

const tempConfigsIn = (tmp: string) => readdirSync(tmp).filter((name) => name.startsWith('regsync-docker-config-'));
const lastLine = (text: string): string => text.trimEnd().split('\n').pop() ?? '';

describe('regsync apply with the docker executor', () => {
  it('applies the plan: destinations carry the source config digest of the pulled platform, then plan says No changes.', async () => {
    const { dir, config, tmp, env } = await applyLab(['app', 'multi'], 'mirror');
    const result = await cli(['apply', '-c', config, '--yes', '--json'], env, dir);
    assert.equal(result.code, 0, result.stderr);
    const applied = JSON.parse(result.stdout) as ApplyResult;
    assert.deepEqual(applied.summary, { created: 7, updated: 0, deleted: 0, failed: 0, present: 0, stale: 0, skipped: 0 });
    assert.equal(lastLine(result.stderr), 'Apply complete: 7 created, 0 updated, 0 deleted, 0 failed.');
    assert.ok(!result.stderr.includes(destination.credentials!.password));
    for (const tag of TAGS) assert.equal(await configDigestAt('mirror/app', tag), pushed.get(tag)!.configDigest);
    const amd64 = pushed.get('multi')!.platforms.find((p) => p.platform === 'linux/amd64')!;
    assert.equal(await configDigestAt('mirror/multi', 'v1'), amd64.configDigest);

    const local = await localImageIds();
    for (const image of pushed.values()) for (const platform of image.platforms) assert.ok(!local.has(platform.configDigest));
    assert.deepEqual(tempConfigsIn(tmp), []);
    const again = await cli(['plan', '-c', config], env, dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /No changes\./);
  });

  it('--dry-run prints the docker commands with digests and changes nothing', async () => {
    const { dir, config, tmp, env } = await applyLab(['app'], 'dry');
    const result = await cli(['apply', '-c', config, '--dry-run'], env, dir);
    assert.equal(result.code, 0, result.stderr);
    const v1 = pushed.get('v1')!;
    for (const line of [
      `docker pull --platform linux/amd64 ${source.host}/team/app@${v1.digest}`,
      `docker tag ${source.host}/team/app@${v1.digest} ${destination.host}/dry/app:v1`,
      `docker push ${destination.host}/dry/app:v1`,
    ]) {
      assert.ok(result.stdout.includes(line), `${line}\n${result.stdout}`);
    }
    assert.deepEqual(tempConfigsIn(tmp), []);
  });
});

/** `regsync apply` in its own process (run from the checkout, where tsx resolves), so it gets a real SIGINT. */
function spawnApply(argv: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...argv], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function until(what: string, condition: () => boolean, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  while (!condition()) {
    if (gone) throw new Error(`regsync exited before ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type ApplyProcess = ReturnType<typeof spawnApply>;

/**
 * Runs `regsync apply --yes --concurrency 1` in its own process; the first two pulls go through, the third one's
 * layer download waits for `atThirdPull`. The rule is in place before the child's first request: it is added in
 * the tick that spawned the child.
 */
function applyUntilThirdPull(config: string, env: NodeJS.ProcessEnv, atThirdPull: (run: ApplyProcess) => Promise<void>) {
  source.clearRules(); // an earlier run's rule must not count this run's pulls
  const run = spawnApply(['apply', '-c', config, '--yes', '--concurrency', '1'], env);
  const layers = TAGS.map((tag) => buildImage(spec(tag)).children[0]!.layers[0]!.digest);
  let pulls = 0;
  source.addRule({
    method: 'GET',
    path: new RegExp(`^/v2/team/app/blobs/(${layers.join('|')})$`),
    times: TAGS.length,
    action: { type: 'hook', run: () => (++pulls === 3 ? atThirdPull(run) : undefined) },
  });
  return { run, pulls: () => pulls };
}

async function interrupt(run: ApplyProcess): Promise<void> {
  run.child.kill('SIGINT');
  await until('it took the interrupt', () => run.output().stderr.includes('regsync: interrupted:'), run.exited);
}

async function assertNoImageOfTheRunLeft(): Promise<void> {
  const local = await localImageIds();
  for (const tag of TAGS) assert.ok(!local.has(pushed.get(tag)!.configDigest!), `${tag}'s image was removed`);
}

describe('regsync apply with the docker executor, interrupted', () => {
  it('SIGINT mid-apply: the change in flight finishes, the rest are skipped, the queue is drained, the temporary config removed, exit 130', async () => {
    const { config, tmp, env } = await applyLab(['app'], 'interrupted');
    // The docker CLI path (DOCKER names a CLI): the one that writes a temporary DOCKER_CONFIG.
    env.DOCKER = 'docker';
    let tempConfigsAtInterrupt: string[] = [];
    const { run, pulls } = applyUntilThirdPull(config, env, (running) => {
      tempConfigsAtInterrupt = tempConfigsIn(tmp);
      return interrupt(running);
    });
    const code = await run.exited;
    const { stdout, stderr } = run.output();
    assert.equal(code, 130, `${stdout}\n${stderr}`);
    assert.equal(pulls(), 3, 'no change started after the interrupt');
    assert.equal(lastLine(stdout), 'Apply interrupted: 3 created, 0 updated, 0 deleted, 0 failed, 3 skipped.');
    assert.equal(tempConfigsAtInterrupt.length, 1, 'the run used a temporary DOCKER_CONFIG');
    assert.deepEqual(tempConfigsIn(tmp), [], 'and removed it');
    await assertNoImageOfTheRunLeft();
    assert.ok(!stderr.includes(destination.credentials!.password));
  });

  it('a second SIGINT stops the pull in flight at once, and the images this run pulled are still removed', async () => {
    const { config, tmp, env } = await applyLab(['app'], 'twice');
    // The third pull's layer download never finishes: only the second SIGINT ends that change.
    const { run } = applyUntilThirdPull(config, env, async (running) => {
      await interrupt(running);
      running.child.kill('SIGINT');
      await running.exited;
    });
    const code = await run.exited;
    const { stdout, stderr } = run.output();
    assert.equal(code, 130, `${stdout}\n${stderr}`);
    assert.match(stderr, /regsync: interrupted again: stopping now/);
    assert.equal(lastLine(stdout), 'Apply interrupted: 2 created, 0 updated, 0 deleted, 1 failed, 3 skipped.');
    assert.deepEqual(tempConfigsIn(tmp), []);
    await assertNoImageOfTheRunLeft();
    assert.equal(await configDigestAt('twice/app', 'v3'), null, 'the interrupted change wrote no tag');
  });
});
