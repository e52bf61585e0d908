/**
 * The Docker image, built as `npm run image` builds it (bases made from this machine's node and docker, no
 * network) in the harness's real dockerd, then run as its users run it: --version, a real plan against the
 * test registries from inside the container (--network host, config mounted read-only), and the docker CLI
 * inside reaching the engine through the mounted socket. Opt-in (the build takes minutes here): npm run test:ship.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startDockerd } from '../harness/dockerd.js';
import type { DockerdInstance } from '../harness/dockerd.js';
import { pushImage } from '../harness/images.js';
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

describe('Docker image (npm run image)', () => {
  let docker: DockerdInstance;
  let source: RegistryInstance;
  let destination: RegistryInstance;
  let socket = '';
  let configDir = '';
  const run = (args: string[]) => docker.docker(['run', '--rm', '--pull', 'never', ...args]);

  before(async () => {
    [docker, source, destination] = await Promise.all([startDockerd(), startRegistry(), startRegistry()]);
    socket = docker.host.replace(/^unix:\/\//, '');
    await pushImage(source, 'team/app', 'v1.0.0', { created: '2024-03-01T00:00:00Z', content: 'app-100' });
    await pushImage(source, 'team/app', 'v1.1.0', {
      created: '2024-04-01T00:00:00Z',
      content: 'app-110',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    configDir = await makeTempDir('image-config');
    writeFileSync(
      join(configDir, 'regsync.yaml'),
      [
        'version: 1',
        'mirrors:',
        '  - name: apps',
        `    source: ${source.host}/team`,
        `    destination: ${destination.host}/mirror`,
        '    executor: registry',
        '    repositories: { names: [app] }',
        '',
      ].join('\n'),
    );
    // As a user's checkout is: readable by the container's uid 1000 (temp dirs are made 0700).
    chmodSync(configDir, 0o755);
    chmodSync(join(configDir, 'regsync.yaml'), 0o644);
    const built = await build(docker.env);
    assert.equal(built.code, 0, `npm run image failed:\n${built.output.slice(-4000)}`);
    console.log(built.output.split('\n').find((line) => line.startsWith('docker-image: built')));
  });
  after(() => Promise.all([docker?.stop(), source?.stop(), destination?.stop()]));

  it('is labelled, runs regsync as its entrypoint in /work, as the unprivileged node user', async () => {
    const inspect = await docker.docker(['image', 'inspect', '-f', '{{json .Config}}', IMAGE]);
    assert.equal(inspect.exitCode, 0, inspect.stderr);
    const config = JSON.parse(inspect.stdout) as { Labels: Record<string, string>; Entrypoint: string[]; WorkingDir: string; User: string };
    assert.deepEqual(config.Entrypoint, ['regsync']);
    assert.equal(config.WorkingDir, '/work');
    assert.equal(config.User, 'node');
    assert.equal(config.Labels['org.opencontainers.image.version'], version);
    assert.equal(config.Labels['org.opencontainers.image.licenses'], 'MIT');
    assert.match(config.Labels['org.opencontainers.image.revision'] ?? '', /^[0-9a-f]{40}$/);
    const uid = await run(['--entrypoint', 'node', IMAGE, '-e', 'console.log(process.getuid())']);
    assert.equal(uid.stdout.trim(), '1000');
  });

  it('docker run --rm regsync:dev --version prints the package version', async () => {
    const result = await run([IMAGE, '--version']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stdout.trim(), version);
  });

  it('plans against the test registries from inside the container, config mounted read-only', async () => {
    const result = await run(['--network', 'host', '-v', `${configDir}:/work:ro`, IMAGE, 'plan']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`\\+ create ${destination.host}/mirror/app:v1\\.0\\.0 `));
    assert.match(result.stdout, new RegExp(`\\+ create ${destination.host}/mirror/app:v1\\.1\\.0 `));
    assert.match(result.stdout, /^Plan: 2 to create, 0 to update, 0 to delete, 0 unchanged\.$/m);
  });

  it('holds a docker CLI that, run as root, drives the engine through the mounted socket', async () => {
    const result = await run([
      '--user',
      'root',
      '-v',
      `${socket}:/var/run/docker.sock`,
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

  // ---------------------------------------------------------------------------------------------------------
  // TO ADD WHEN `regsync apply` LANDS (issue 8), here, with the same image, registries and read-only config:
  //   1. registry executor: run([--network host, -v configDir:/work:ro, IMAGE, 'apply', '--yes']) exits 0 with
  //      `Apply complete: 2 created, ...`; the destination digests equal the source's (rawManifest); a second
  //      `plan` prints `No changes.`
  //   2. docker executor, through the mounted socket: a config with `executor: docker`, run with --user root,
  //      -v socket:/var/run/docker.sock and --network host; apply --yes exits 0, the destination carries the
  //      source's config digest for linux/amd64, and the engine holds no image the run pulled afterwards.
  // Not written yet (issue 10 stays open for them); no placeholder test stands in for them.
  // ---------------------------------------------------------------------------------------------------------
});
