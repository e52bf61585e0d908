/**
 * The docker executor leaves the engine as it found it (issue 14, item 3), against a REAL dockerd and REAL
 * registries: the engine starts with the source image already present (pulled by tag and by digest), an unrelated
 * image, and a destination tag that names that unrelated image; after `regsync apply` (done, failed, interrupted
 * once, interrupted twice) every reference the engine lists is exactly what it listed before the run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApplyResult } from '../../src/apply/types.js';
import { startDockerd } from '../harness/dockerd.js';
import type { DockerdInstance } from '../harness/dockerd.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { buildImage, pushImage, rawManifest } from '../harness/images.js';
import type { PushedImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { cli } from './plan-fixture.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CREATED = '2024-03-01T00:00:00Z';

let docker: DockerdInstance;
let upstream: RegistryInstance;
let destination: RegistryInstance;
/** The source as the config (and the engine) names it: a proxy, to act at an exact point of a pull. */
let source: FaultProxy;
/** The destination as the config names it: a proxy, to refuse a push. */
let target: FaultProxy;
/** team/testrepo's tags; `latest` is the same image as `v2`, the one already in the engine. */
const images = new Map<string, PushedImage>();

before(async () => {
  [docker, upstream, destination] = await Promise.all([startDockerd(), startRegistry(), startRegistry({ auth: 'htpasswd' })]);
  [source, target] = await Promise.all([startFaultProxy(upstream), startFaultProxy(destination)]);
  for (const tag of ['v1', 'v2', 'v3'])
    images.set(tag, await pushImage(upstream, 'team/testrepo', tag, { created: CREATED, content: tag }));
  images.set('latest', await pushImage(upstream, 'team/testrepo', 'latest', { created: CREATED, content: 'v2' }));
  assert.equal(images.get('latest')!.digest, images.get('v2')!.digest);
  await pushImage(upstream, 'team/other', 'v1', { created: CREATED, content: 'other' });
});
after(() => Promise.all([docker?.stop(), source?.stop(), target?.stop(), upstream?.stop(), destination?.stop()]));

async function dockerOk(args: string[]): Promise<void> {
  const result = await docker.docker(args);
  assert.equal(result.exitCode, 0, `docker ${args.join(' ')}: ${result.stderr}`);
}

/**
 * The user's engine before the run: team/testrepo's v2 pulled by tag and by digest, an unrelated image, and the
 * destination's v3 tag on that unrelated image (`docker tag` would move it to the copy's image).
 */
async function seedEngine(prefix: string): Promise<void> {
  await dockerOk(['pull', `${source.host}/team/testrepo:v2`]);
  await dockerOk(['pull', `${source.host}/team/testrepo@${images.get('v2')!.digest}`]);
  await dockerOk(['pull', `${source.host}/team/other:v1`]);
  await dockerOk(['tag', `${source.host}/team/other:v1`, `${target.host}/${prefix}/testrepo:v3`]);
}

/** Every reference in the engine: repository, tag, digest and image ID (docker image ls --digests), sorted. */
async function engineReferences(): Promise<string[]> {
  const format = '{{.Repository}}:{{.Tag}} {{.Digest}} {{.ID}}';
  const listed = await docker.docker(['image', 'ls', '--all', '--digests', '--no-trunc', '--format', format]);
  assert.equal(listed.exitCode, 0, listed.stderr);
  return listed.stdout
    .split('\n')
    .filter((line) => line !== '')
    .sort();
}

/** A lab dir with regsync.yaml (one docker mirror of team/testrepo into PREFIX) and the run's environment. */
async function applyLab(prefix: string, path: EnginePath): Promise<{ config: string; env: NodeJS.ProcessEnv; dir: string }> {
  const dir = await makeTempDir('apply-docker-engine');
  const config = join(dir, 'regsync.yaml');
  await writeFile(
    config,
    [
      'version: 1',
      'registries:',
      `  "${target.host}":`,
      '    username: ${DST_USER}',
      '    password: ${DST_PASSWORD}',
      'mirrors:',
      '  - name: dock',
      `    source: ${source.host}/team`,
      `    destination: ${target.host}/${prefix}`,
      '    executor: docker',
      '    removalQueue: 1',
      '    repositories:',
      '      names: [testrepo]',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: await makeTempDir('apply-docker-engine-home'),
    TMPDIR: await makeTempDir('apply-docker-engine-tmp'),
    REGSYNC_CACHE_DIR: await makeTempDir('apply-docker-engine-cache'),
    XDG_RUNTIME_DIR: await makeTempDir('apply-docker-engine-runtime'),
    DOCKER_HOST: docker.host,
    DOCKER_CONFIG: await makeTempDir('apply-docker-engine-user-config'),
    DST_USER: destination.credentials!.username,
    DST_PASSWORD: destination.credentials!.password,
    // The docker CLI path is taken when DOCKER names a CLI; otherwise the Engine API over DOCKER_HOST's socket.
    ...(path === 'cli' ? { DOCKER: 'docker' } : {}),
  };
  return { config, env, dir };
}

const configDigestAt = async (repository: string, tag: string): Promise<string | null> => {
  const manifest = await rawManifest(destination, repository, tag);
  return manifest === null ? null : (JSON.parse(manifest.bytes.toString('utf8')) as { config: { digest: string } }).config.digest;
};

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

/** How the run reaches the engine: both paths must leave it as they found it. */
type EnginePath = 'api' | 'cli';

/** Where a run is interrupted: a request to the source or the destination, held until `act` has run. */
interface InterruptPoint {
  proxy: FaultProxy;
  method: string;
  path: RegExp;
}

/**
 * Plans, then runs `regsync apply PLAN --concurrency 1` in its own process (changes in tag order: latest, v1, v2,
 * v3); `act` runs when the request `at` names arrives, before it goes on to the registry.
 */
async function applyInterrupted(
  prefix: string,
  path: EnginePath,
  at: InterruptPoint,
  act: (run: ReturnType<typeof spawnApply>) => Promise<void>,
) {
  const { config, env, dir } = await applyLab(prefix, path);
  const file = join(dir, 'plan.json');
  const planned = await cli(['plan', '-c', config, '--out', file], env, dir);
  assert.equal(planned.code, 0, planned.stderr);
  at.proxy.clearRules();
  const run = spawnApply(['apply', '-c', config, file, '--concurrency', '1'], env);
  const hits = at.proxy.addRule({ method: at.method, path: at.path, action: { type: 'hook', run: () => act(run) } });
  const code = await run.exited;
  at.proxy.clearRules();
  return { code, hits: hits(), ...run.output() };
}

async function interrupt(run: ReturnType<typeof spawnApply>): Promise<void> {
  run.child.kill('SIGINT');
  await until('it took the interrupt', () => run.output().stderr.includes('regsync: interrupted:'), run.exited);
}

for (const path of ['api', 'cli'] as const) {
  describe(`the docker executor leaves the engine as it found it (${path === 'api' ? 'Engine API' : 'docker CLI'})`, () => {
    it('a run that copies the image already in the engine (and others): the same references after as before', async () => {
      await seedEngine(`${path}-done`);
      const { config, env, dir } = await applyLab(`${path}-done`, path);
      const before = await engineReferences();
      const result = await cli(['apply', '-c', config, '--yes', '--json'], env, dir);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual((JSON.parse(result.stdout) as ApplyResult).summary.created, 4);
      for (const [tag, image] of images) assert.equal(await configDigestAt(`${path}-done/testrepo`, tag), image.configDigest, tag);
      assert.deepEqual(await engineReferences(), before);
      assert.ok(!result.stderr.includes('could not'), result.stderr);
    });

    it('a run whose pushes are refused: the same references after as before', async () => {
      await seedEngine(`${path}-refused`);
      const { config, env, dir } = await applyLab(`${path}-refused`, path);
      target.clearRules();
      // The image already in the engine (v2) and the one whose destination tag names another image (v3).
      const refused = target.addRule({
        method: 'PUT',
        path: new RegExp(`^/v2/${path}-refused/testrepo/manifests/(v2|v3)$`),
        times: 100,
        action: { type: 'respond', status: 403, body: '{"errors":[{"code":"DENIED","message":"push refused"}]}' },
      });
      const before = await engineReferences();
      const result = await cli(['apply', '-c', config, '--yes', '--json'], env, dir);
      target.clearRules();
      assert.equal(result.code, 1, result.stderr);
      assert.ok(refused() >= 2, `both pushes were refused (${refused()})`);
      const applied = JSON.parse(result.stdout) as ApplyResult;
      assert.deepEqual([applied.summary.created, applied.summary.failed], [2, 2]);
      assert.deepEqual(await engineReferences(), before);
    });

    it('a run interrupted while it pushes the image already in the engine: the same references after as before', async () => {
      await seedEngine(`${path}-interrupted`);
      const before = await engineReferences();
      // The first push of that image (its `latest` tag); the copy finishes, v1, v2 and v3 are skipped. (A pull of an
      // image the engine holds asks the registry nothing to act on, hence the push.)
      const at = { proxy: target, method: 'PUT', path: new RegExp(`^/v2/${path}-interrupted/testrepo/manifests/latest$`) };
      const { code, hits, stdout, stderr } = await applyInterrupted(`${path}-interrupted`, path, at, interrupt);
      assert.equal(code, 130, `${stdout}\n${stderr}`);
      assert.equal(hits, 1);
      assert.match(stdout, /Apply interrupted: 1 created, 0 updated, 0 deleted, 0 failed, 3 skipped\./);
      assert.deepEqual(await engineReferences(), before);
    });

    it('a run interrupted twice (the last pull killed, after both copies of the image in the engine): the same references after as before', async () => {
      await seedEngine(`${path}-twice`);
      const before = await engineReferences();
      // v3's layer: the pull is killed; the image whose v3 tag the destination names keeps it.
      const layer = buildImage({ created: CREATED, content: 'v3' }).children[0]!.layers[0]!.digest;
      const at = { proxy: source, method: 'GET', path: new RegExp(`^/v2/team/testrepo/blobs/${layer}$`) };
      const { code, hits, stdout, stderr } = await applyInterrupted(`${path}-twice`, path, at, async (run) => {
        await interrupt(run);
        run.child.kill('SIGINT');
        await run.exited;
      });
      assert.equal(code, 130, `${stdout}\n${stderr}`);
      assert.equal(hits, 1);
      assert.match(stderr, /regsync: interrupted again: stopping now/);
      assert.match(stdout, /Apply interrupted: 3 created, 0 updated, 0 deleted, 1 failed\./);
      assert.deepEqual(await engineReferences(), before);
    });
  });
}
