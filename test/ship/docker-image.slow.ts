/**
 * The Docker image, built as `npm run image` builds it (bases made from this machine's node and docker, no
 * network) in the harness's real dockerd, then run as the README's Docker section says its users run it:
 * --version; a real plan, `apply --yes` and re-plan against the test registries from inside the container
 * (--network host, the config directory mounted read-only at /work, ~/.docker mounted read-only with the
 * htpasswd destinations' credentials): the docker executor in the original tool's exact form
 * (`-v ~/.docker:/root/.docker:ro -v /var/run/docker.sock:/var/run/docker.sock:ro`, no --user: the entrypoint keeps
 * root because a socket is mounted), and the registry executor without a socket, where the entrypoint drops to the
 * unprivileged `node` user (uid 1000). Opt-in (the build takes minutes here): npm run test:ship.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startDockerd } from '../harness/dockerd.js';
import type { DockerdInstance } from '../harness/dockerd.js';
import { pushImage, rawManifest } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
const IMAGE = 'regsync:dev';

function build(env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['scripts/docker-image.sh'],
      { cwd: repo, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** A directory to mount read-only at /work, as a user's checkout is: readable by uid 1000 (temp dirs are 0700). */
async function mountableConfig(name: string, mirror: { source: string; destination: string; executor: string }): Promise<string> {
  const dir = await makeTempDir(name);
  const file = join(dir, 'regsync.yaml');
  const lines = ['version: 1', 'mirrors:', '  - name: apps', `    source: ${mirror.source}`, `    destination: ${mirror.destination}`];
  writeFileSync(file, [...lines, `    executor: ${mirror.executor}`, '    repositories: { names: [app] }', ''].join('\n'));
  chmodSync(dir, 0o755);
  chmodSync(file, 0o644);
  return dir;
}

/** A ~/.docker as `docker login` leaves it, holding the registries' credentials; readable by uid 1000. */
async function dockerLoginDir(registries: RegistryInstance[]): Promise<string> {
  const dir = await makeTempDir('image-docker-config');
  const auths = Object.fromEntries(
    registries.map(({ host, credentials }) => [
      host,
      { auth: Buffer.from(`${credentials!.username}:${credentials!.password}`).toString('base64') },
    ]),
  );
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify({ auths })}\n`);
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'config.json'), 0o644);
  return dir;
}

/** What a container printed must not hold any registry's password. */
function assertNoPassword(output: string, registries: RegistryInstance[]): void {
  for (const { host, credentials } of registries)
    assert.ok(!output.includes(credentials!.password), `${host}'s password stays out of the output`);
}

describe('Docker image (npm run image)', () => {
  let docker: DockerdInstance;
  let source: RegistryInstance;
  /** The registry executor's destination; both destinations take their credentials from the mounted ~/.docker. */
  let destination: RegistryInstance;
  /** The docker executor's destination. */
  let secured: RegistryInstance;
  let socket = '';
  let configDir = '';
  let dockerWorkDir = '';
  let dockerConfigDir = '';
  /** Per tag, the config digest of the platform the docker executor pulls (linux/amd64). */
  const pulledConfigDigests = new Map<string, string>();
  /** The README's registry-executor form with ~/.docker at node's home, plus --network host for the loopback registries. */
  const atNodeHome = () => ['--network', 'host', '-v', `${dockerConfigDir}:/home/node/.docker:ro`, '-v', `${configDir}:/work:ro`];
  /** The original tool's form without the socket: ~/.docker at /root/.docker, still read once the entrypoint drops to node. */
  const withoutSocket = () => ['--network', 'host', '-v', `${dockerConfigDir}:/root/.docker:ro`, '-v', `${configDir}:/work:ro`];
  const run = (args: string[]) => docker.docker(['run', '--rm', '--pull', 'never', ...args]);
  const engineImageIds = async () => {
    const listed = await docker.docker(['image', 'ls', '--all', '--quiet', '--no-trunc']);
    assert.equal(listed.exitCode, 0, listed.stderr);
    return new Set(listed.stdout.split('\n').filter((line) => line !== ''));
  };

  before(async () => {
    [docker, source, destination, secured] = await Promise.all([
      startDockerd(),
      startRegistry(),
      startRegistry({ auth: 'htpasswd' }),
      startRegistry({ auth: 'htpasswd' }),
    ]);
    socket = docker.host.replace(/^unix:\/\//, '');
    const images = [
      await pushImage(source, 'team/app', 'v1.0.0', { created: '2024-03-01T00:00:00Z', content: 'app-100' }),
      await pushImage(source, 'team/app', 'v1.1.0', {
        created: '2024-04-01T00:00:00Z',
        content: 'app-110',
        platforms: ['linux/amd64', 'linux/arm64'],
      }),
    ];
    ['v1.0.0', 'v1.1.0'].forEach((tag, i) =>
      pulledConfigDigests.set(tag, images[i]!.platforms.find((p) => p.platform === 'linux/amd64')!.configDigest),
    );
    const from = `${source.host}/team`;
    configDir = await mountableConfig('image-config', { source: from, destination: `${destination.host}/mirror`, executor: 'registry' });
    dockerWorkDir = await mountableConfig('image-docker-work', { source: from, destination: `${secured.host}/mirror`, executor: 'docker' });
    dockerConfigDir = await dockerLoginDir([destination, secured]);
    const built = await build(docker.env);
    assert.equal(built.code, 0, `npm run image failed:\n${built.output.slice(-4000)}`);
    console.log(built.output.split('\n').find((line) => line.startsWith('docker-image: built')));
  });
  after(() => Promise.all([docker?.stop(), source?.stop(), destination?.stop(), secured?.stop()]));

  it('is labelled, runs regsync as its entrypoint in /work; the entrypoint, not USER, picks the user', async () => {
    const inspect = await docker.docker(['image', 'inspect', '-f', '{{json .Config}}', IMAGE]);
    assert.equal(inspect.exitCode, 0, inspect.stderr);
    const config = JSON.parse(inspect.stdout) as {
      Labels: Record<string, string>;
      Entrypoint: string[];
      WorkingDir: string;
      User?: string;
    };
    assert.deepEqual(config.Entrypoint, ['regsync']);
    assert.equal(config.WorkingDir, '/work');
    assert.equal(config.User ?? '', '', 'no USER: the container starts as root (docker leaves an empty User out)');
    assert.equal(config.Labels['org.opencontainers.image.version'], version);
    assert.equal(config.Labels['org.opencontainers.image.licenses'], 'MIT');
    assert.match(config.Labels['org.opencontainers.image.revision'] ?? '', /^[0-9a-f]{40}$/);
  });

  it('docker run --rm regsync:dev --version prints the package version', async () => {
    const result = await run([IMAGE, '--version']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stdout.trim(), version);
  });

  it('plans against the test registries from inside the container, config mounted read-only, as uid 1000 without a socket', async () => {
    // A writable directory: the plan file regsync writes there tells which user it ran as.
    const out = await makeTempDir('image-out');
    chmodSync(out, 0o777);
    const result = await run([...atNodeHome(), '-v', `${out}:/out`, IMAGE, 'plan', '--out', '/out/plan.json']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`\\+ create ${destination.host}/mirror/app:v1\\.0\\.0 `));
    assert.match(result.stdout, new RegExp(`\\+ create ${destination.host}/mirror/app:v1\\.1\\.0 `));
    assert.match(result.stdout, /^Plan: 2 to create, 0 to update, 0 to delete, 0 unchanged\.$/m);
    const written = statSync(join(out, 'plan.json'));
    assert.deepEqual([written.uid, written.gid], [1000, 1000], 'regsync ran as node (uid 1000), not root');
  });

  it('holds a docker CLI that drives the engine through the socket mounted read-only', async () => {
    const result = await run([
      '-v',
      `${socket}:/var/run/docker.sock:ro`,
      '--entrypoint',
      'docker',
      IMAGE,
      'image',
      'ls',
      '--format',
      '{{.Repository}}:{{.Tag}}',
    ]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(result.stdout.split('\n').includes(IMAGE), `the engine's images, seen from inside: ${result.stdout}`);
  });

  it('carries no tests, sources or dev dependencies', async () => {
    const script = `const fs = require("node:fs"); const bad = ["/app/test", "/app/src", "/app/bench", ...["typescript", "eslint", "tsx", "kubernetes-models"].map((p) => "/app/node_modules/" + p)].filter((p) => fs.existsSync(p)); console.log(bad.join(" "));`;
    const result = await run(['--entrypoint', 'node', IMAGE, '-e', script]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stdout.trim(), '');
  });

  it('applies with the registry executor from inside the container: the destination is byte-identical, a re-plan has no changes', async () => {
    // After the plan above: it saw 2 to create.
    // The original tool's form, without the socket: the entrypoint drops to node and still reads /root/.docker.
    const mount = [...withoutSocket(), IMAGE];
    const applied = await run([...mount, 'apply', '--yes', '-c', 'regsync.yaml']);
    const output = `${applied.stdout}\n${applied.stderr}`;
    assert.equal(applied.exitCode, 0, output);
    assertNoPassword(output, [destination]);
    assert.match(applied.stdout, /^Apply complete: 2 created, 0 updated, 0 deleted, 0 failed\.$/m);
    for (const tag of ['v1.0.0', 'v1.1.0']) {
      const [from, to] = await Promise.all([rawManifest(source, 'team/app', tag), rawManifest(destination, 'mirror/app', tag)]);
      assert.ok(from && to, `${tag} is in both registries`);
      assert.equal(to.digest, from.digest, `${tag}: the destination's digest`);
      assert.ok(to.bytes.equals(from.bytes), `${tag}: the destination's manifest bytes`);
    }
    const replan = await run([...mount, 'plan', '-c', 'regsync.yaml']);
    assert.equal(replan.exitCode, 0, replan.stderr);
    assert.match(replan.stdout, /No changes\./);
  });

  it('applies with the docker executor run exactly as the original tool was (no --user); pulled images are removed', async () => {
    const before = await engineImageIds();
    // docker run --rm -v ~/.docker:/root/.docker:ro -v /var/run/docker.sock:/var/run/docker.sock:ro IMAGE ...,
    // plus --network host for the loopback registries and the config at /work.
    const mount = [
      ...['--network', 'host', '-v', `${dockerConfigDir}:/root/.docker:ro`, '-v', `${socket}:/var/run/docker.sock:ro`],
      ...['-v', `${dockerWorkDir}:/work:ro`, IMAGE],
    ];
    const applied = await run([...mount, 'apply', '--yes', '-c', 'regsync.yaml']);
    const output = `${applied.stdout}\n${applied.stderr}`;
    assert.equal(applied.exitCode, 0, output);
    assert.match(applied.stdout, /^Apply complete: 2 created, 0 updated, 0 deleted, 0 failed\.$/m);
    assert.match(output, /docker push /, 'the copies went through docker');
    assertNoPassword(output, [destination, secured]);
    for (const [tag, configDigest] of pulledConfigDigests) {
      const copy = await rawManifest(secured, 'mirror/app', tag);
      assert.ok(copy, `${secured.host}/mirror/app:${tag} exists`);
      assert.equal((JSON.parse(copy.bytes.toString('utf8')) as { config: { digest: string } }).config.digest, configDigest, tag);
    }
    const after = await engineImageIds();
    assert.deepEqual([...after].sort(), [...before].sort(), 'the engine holds the images it held before the run');
    for (const configDigest of pulledConfigDigests.values()) assert.ok(!after.has(configDigest), `${configDigest} was removed`);
    const replan = await run([...mount, 'plan', '-c', 'regsync.yaml']);
    assert.equal(replan.exitCode, 0, replan.stderr);
    assert.match(replan.stdout, /No changes\./);
  });
});
