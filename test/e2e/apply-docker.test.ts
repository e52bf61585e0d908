import { formatOperation } from '../../src/apply/operations.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerExecutor } from '../../src/apply/executors/docker-executor.js';
import type { DockerExecutorOptions } from '../../src/apply/executors/docker-executor.js';
import { startDockerd } from '../harness/dockerd.js';
import type { DockerdInstance } from '../harness/dockerd.js';
import { buildImage, pushImage, rawManifest } from '../harness/images.js';
import type { PushedImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { dockerCreate, recordingContext } from '../helpers/docker-change.js';

const CREATED = '2024-03-01T00:00:00Z';

let docker: DockerdInstance;
let source: RegistryInstance;
let secured: RegistryInstance;
/** The user's own Docker config dir (what DOCKER_CONFIG points at), with settings regsync must keep. */
let userConfigDir: string;
const USER_CONFIG = {
  auths: { 'registry.example.invalid': { auth: Buffer.from('someone:their-secret').toString('base64') } },
  psFormat: 'table {{.ID}}',
};

before(async () => {
  [docker, source, secured] = await Promise.all([startDockerd(), startRegistry(), startRegistry({ auth: 'htpasswd' })]);
  userConfigDir = await makeTempDir('user-docker-config');
  writeFileSync(join(userConfigDir, 'config.json'), JSON.stringify(USER_CONFIG));
});
after(() => Promise.all([docker?.stop(), source?.stop(), secured?.stop()]));

/** The two ways the executor reaches the engine; every behaviour below holds on both. */
type EnginePath = 'api' | 'cli';
const ENGINE_PATHS: readonly EnginePath[] = ['api', 'cli'];
// The temporary Docker config exists on the CLI path only: on the API path these cases are not defined (not skipped).
const cliOnly = (path: EnginePath, name: string, fn: () => Promise<void>): void => {
  if (path === 'cli') test(name, fn);
};

/** A private TMPDIR per executor, so a test sees exactly the temporary Docker configs its run made. */
async function executorFor(engine: EnginePath, overrides: Partial<DockerExecutorOptions> = {}) {
  const tmp = await makeTempDir('docker-executor-tmp');
  const warnings: string[] = [];
  const options: DockerExecutorOptions = {
    binary: 'docker',
    env: { ...process.env, ...docker.env, DOCKER_CONFIG: userConfigDir, TMPDIR: tmp },
    credentials: [{ host: secured.host, ...secured.credentials! }],
    warn: (line) => warnings.push(line),
    engine,
    ...overrides,
  };
  return { executor: dockerExecutor(options), tmp, warnings, tempConfigs: () => readdirSync(tmp) };
}

function platformOf(image: PushedImage, platform: string) {
  const child = image.platforms.find((p) => p.platform === platform);
  assert.ok(child, `the image has ${platform}`);
  return child;
}

async function destinationConfigDigest(repository: string, tag: string): Promise<string> {
  const manifest = await rawManifest(secured, repository, tag);
  assert.ok(manifest, `${secured.host}/${repository}:${tag} exists`);
  return (JSON.parse(manifest.bytes.toString('utf8')) as { config: { digest: string } }).config.digest;
}

/** Image IDs in the engine now. */
function localImageIds(): Set<string> {
  const result = spawnSync('docker', ['image', 'ls', '--all', '--quiet', '--no-trunc'], {
    env: { ...process.env, ...docker.env },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return new Set(result.stdout.split('\n').filter((line) => line !== ''));
}

for (const path of ENGINE_PATHS) {
  describe(`docker executor: copies (${path})`, () => {
    test('a single image lands with its config digest; docker commands and lines go to the progress', async () => {
      const image = await pushImage(source, 'team/single', 'v1', { created: CREATED, content: 'single' });
      const { executor, tempConfigs } = await executorFor(path);
      const change = dockerCreate(
        { host: source.host, repository: 'team/single', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
        { host: secured.host, repository: 'mirror/single', tag: 'v1' },
      );
      assert.deepEqual(executor.describe(change).map(formatOperation), [
        `docker pull --platform linux/amd64 ${source.host}/team/single@${image.digest}`,
        `docker tag ${source.host}/team/single@${image.digest} ${secured.host}/mirror/single:v1`,
        `docker push ${secured.host}/mirror/single:v1`,
      ]);
      await executor.prepare(new AbortController().signal);
      const context = recordingContext();
      try {
        const { bytes } = await executor.copy(change, context);
        assert.ok(bytes > 0);
        if (path === 'cli') assert.deepEqual(context.bytes, [bytes]);
        else {
          // The engine's progress: bytes pulled then pushed as they stream, rising; the change's size last.
          const streamed = context.bytes.slice(0, -1);
          assert.ok(streamed.length >= 2, `progress while it streams: ${context.bytes.join(' ')}`);
          assert.ok(
            streamed.every((value, index) => value > (streamed[index - 1] ?? 0)),
            context.bytes.join(' '),
          );
          assert.equal(context.bytes.at(-1), bytes);
        }
      } finally {
        await executor.close();
      }
      assert.equal(await destinationConfigDigest('mirror/single', 'v1'), image.configDigest);
      assert.ok(context.lines.includes(executor.describe(change).map(formatOperation)[0]!), context.lines.join('\n'));
      assert.ok(
        context.lines.some((line) => /Pushed|Layer already exists/.test(line)),
        context.lines.join('\n'),
      );
      assert.ok(!context.lines.join('\n').includes(secured.credentials!.password));
      assert.deepEqual(tempConfigs(), []);
    });

    test('of a two-platform index only the planned platform is pulled and pushed', async () => {
      const image = await pushImage(source, 'team/multi', 'v1', {
        created: CREATED,
        content: 'multi',
        platforms: ['linux/amd64', 'linux/arm64'],
      });
      const arm = platformOf(image, 'linux/arm64');
      const { executor } = await executorFor(path);
      await executor.prepare(new AbortController().signal);
      try {
        const change = dockerCreate(
          {
            host: source.host,
            repository: 'team/multi',
            tag: 'v1',
            digest: image.digest,
            configDigest: arm.configDigest,
            mediaType: image.mediaType,
          },
          { host: secured.host, repository: 'mirror/multi', tag: 'v1' },
          { platform: 'linux/arm64' },
        );
        await executor.copy(change, recordingContext());
      } finally {
        await executor.close();
      }
      assert.equal(await destinationConfigDigest('mirror/multi', 'v1'), arm.configDigest);
    });
  });

  describe(`docker executor: removal queue (${path})`, () => {
    test('removalQueue 2 over 5 tags: at most 2 pulled images after each push, none at the end, images from before the run kept', async () => {
      const tags = ['v1', 'v2', 'by-ref', 'v3', 'by-id', 'v4', 'v5'];
      const images = new Map<string, PushedImage>();
      for (const tag of tags) images.set(tag, await pushImage(source, 'team/queue', tag, { created: CREATED, content: `queue-${tag}` }));
      const byRef = images.get('by-ref')!;
      const byId = images.get('by-id')!;
      // Before the run: `by-ref` pulled by the very reference the copy uses; `by-id` present under no name at all
      // (saved by ID and loaded back), so only its image ID tells that it was there.
      assert.equal((await docker.docker(['pull', `${source.host}/team/queue@${byRef.digest}`])).exitCode, 0);
      const tar = join(await makeTempDir('saved-image'), 'image.tar');
      for (const args of [
        ['pull', `${source.host}/team/queue@${byId.digest}`],
        ['save', '-o', tar, byId.configDigest!],
        ['image', 'rm', `${source.host}/team/queue@${byId.digest}`],
        ['load', '-i', tar],
      ]) {
        const result = await docker.docker(args);
        assert.equal(result.exitCode, 0, `docker ${args.join(' ')}: ${result.stderr}`);
      }
      const runImages = new Set(['v1', 'v2', 'v3', 'v4', 'v5'].map((tag) => images.get(tag)!.configDigest!));
      const pulledNow = () => [...localImageIds()].filter((id) => runImages.has(id)).length;

      const { executor, warnings } = await executorFor(path, { removalQueue: { docker: 2 } });
      await executor.prepare(new AbortController().signal);
      const seen: number[] = [];
      let pushing = false;
      try {
        for (const tag of tags) {
          const image = images.get(tag)!;
          const change = dockerCreate(
            { host: source.host, repository: 'team/queue', tag, digest: image.digest, configDigest: image.configDigest },
            { host: secured.host, repository: 'mirror/queue', tag },
          );
          // Looked at while the copy runs, once docker reports the pushed digest, and again once copy() returns.
          const context = recordingContext(undefined, (line) => {
            if (line.startsWith('docker push')) pushing = true;
            else if (pushing && /digest: sha256:/.test(line)) seen.push(pulledNow());
          });
          await executor.copy(change, context);
          pushing = false;
          seen.push(pulledNow());
        }
      } finally {
        await executor.close();
      }
      assert.equal(seen.length, 2 * tags.length, 'observed during and after each push');
      assert.deepEqual(seen, [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], 'pulled images of the run in the engine');
      assert.equal(pulledNow(), 0, 'the queue is drained at close');
      const left = localImageIds();
      assert.ok(left.has(byRef.configDigest!), 'the image pulled by reference before the run is still there');
      assert.ok(left.has(byId.configDigest!), 'the unnamed image present before the run is still there');
      assert.equal((await docker.docker(['image', 'inspect', `${source.host}/team/queue@${byRef.digest}`])).exitCode, 0);
      assert.deepEqual(warnings, []);
      for (const [tag, image] of images) assert.equal(await destinationConfigDigest('mirror/queue', tag), image.configDigest);
    });
    test('copies of one image by two mirrors at once all land, and the image goes once nothing uses it (removalQueue 0)', async () => {
      const shared = await pushImage(source, 'team/shared', 'v1', { created: CREATED, content: 'shared' });
      const { executor, warnings } = await executorFor(path, { removalQueue: { one: 0, two: 0 } });
      await executor.prepare(new AbortController().signal);
      const copies: Array<Promise<{ bytes: number }>> = [];
      try {
        // Two mirrors of one source image, three rounds each, all at once: a removal must leave alone the references
        // the other copies use. (The window between one copy's pull and its tag is short, so this is a smoke test.)
        for (const mirror of ['one', 'two']) {
          copies.push(
            (async () => {
              let last = { bytes: 0 };
              for (let round = 1; round <= 3; round++) {
                const change = dockerCreate(
                  { host: source.host, repository: 'team/shared', tag: 'v1', digest: shared.digest, configDigest: shared.configDigest },
                  { host: secured.host, repository: `mirror-${mirror}/shared`, tag: `r${round}` },
                  { mirror },
                );
                last = await executor.copy(change, recordingContext());
              }
              return last;
            })(),
          );
        }
        await Promise.all(copies);
      } finally {
        await executor.close();
      }
      assert.deepEqual(warnings, []);
      assert.ok(!localImageIds().has(shared.configDigest!), 'removed once nothing uses it');
      for (const mirror of ['one', 'two']) {
        for (let round = 1; round <= 3; round++)
          assert.equal(await destinationConfigDigest(`mirror-${mirror}/shared`, `r${round}`), shared.configDigest);
      }
    });
  });

  describe(`docker executor: temporary Docker config (${path})`, () => {
    cliOnly(path, '0700 dir, 0600 config.json holding the user config plus regsync credentials, removed at close', async () => {
      const image = await pushImage(source, 'team/creds', 'v1', { created: CREATED, content: 'creds' });
      const { executor, tmp, tempConfigs } = await executorFor(path);
      await executor.prepare(new AbortController().signal);
      let seen: { dirMode: number; fileMode: number; config: { auths: Record<string, unknown>; psFormat?: string } } | undefined;
      try {
        const [name] = tempConfigs();
        assert.ok(name, 'a temporary DOCKER_CONFIG exists while the run lasts');
        const dir = join(tmp, name);
        seen = {
          dirMode: statSync(dir).mode & 0o777,
          fileMode: statSync(join(dir, 'config.json')).mode & 0o777,
          config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
        };
        const change = dockerCreate(
          { host: source.host, repository: 'team/creds', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
          { host: secured.host, repository: 'mirror/creds', tag: 'v1' },
        );
        await executor.copy(change, recordingContext());
      } finally {
        await executor.close();
      }
      assert.equal(seen.dirMode, 0o700);
      assert.equal(seen.fileMode, 0o600);
      assert.deepEqual(Object.keys(seen.config.auths).sort(), [secured.host, 'registry.example.invalid'].sort());
      assert.equal(seen.config.psFormat, USER_CONFIG.psFormat);
      assert.deepEqual(tempConfigs(), []);
      assert.deepEqual(JSON.parse(readFileSync(join(userConfigDir, 'config.json'), 'utf8')), USER_CONFIG, 'the user config is untouched');
    });

    cliOnly(path, 'without credentials regsync holds, docker runs with the user config as it is (no temporary dir)', async () => {
      const { executor, tempConfigs } = await executorFor(path, { credentials: [] });
      await executor.prepare(new AbortController().signal);
      assert.deepEqual(tempConfigs(), []);
      await executor.close();
    });

    test('a push the registry refuses without regsync credentials fails with docker text', async () => {
      const image = await pushImage(source, 'team/nocreds', 'v1', { created: CREATED, content: 'nocreds' });
      const { executor } = await executorFor(path, { credentials: [] });
      await executor.prepare(new AbortController().signal);
      const change = dockerCreate(
        { host: source.host, repository: 'team/nocreds', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
        { host: secured.host, repository: 'mirror/nocreds', tag: 'v1' },
      );
      try {
        await assert.rejects(executor.copy(change, recordingContext()), (error: Error) => {
          assert.match(
            error.message,
            new RegExp(`^docker push ${secured.host}/mirror/nocreds:v1 failed: .*(no basic auth credentials|unauthorized)`),
          );
          return true;
        });
      } finally {
        await executor.close();
      }
      assert.ok(!localImageIds().has(image.configDigest!), 'the pulled image is removed after a failed push');
    });
  });

  describe(`docker executor: failures (${path})`, () => {
    test('a missing source manifest fails the change with docker text, and the temporary config still goes', async () => {
      const missing = buildImage({ created: CREATED, content: 'never-pushed' }).children[0]!;
      const { executor, tempConfigs } = await executorFor(path);
      await executor.prepare(new AbortController().signal);
      const change = dockerCreate(
        { host: source.host, repository: 'team/single', tag: 'gone', digest: missing.digest, configDigest: missing.config.digest },
        { host: secured.host, repository: 'mirror/gone', tag: 'gone' },
      );
      try {
        await assert.rejects(executor.copy(change, recordingContext()), (error: Error & { code?: string; host?: string }) => {
          assert.equal(error.code, 'EXECUTOR');
          assert.equal(error.host, source.host);
          assert.match(error.message, new RegExp(`^docker pull ${source.host}/team/single@${missing.digest} failed: .*manifest unknown`));
          assert.ok(!error.message.includes(secured.credentials!.password));
          return true;
        });
      } finally {
        await executor.close();
      }
      assert.deepEqual(tempConfigs(), []);
    });

    test('a stopped destination registry fails the push with docker text naming the host', async () => {
      const doomed = await startRegistry();
      const image = await pushImage(source, 'team/doomed', 'v1', { created: CREATED, content: 'doomed' });
      await doomed.stop();
      const { executor } = await executorFor(path);
      await executor.prepare(new AbortController().signal);
      const change = dockerCreate(
        { host: source.host, repository: 'team/doomed', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
        { host: doomed.host, repository: 'mirror/doomed', tag: 'v1' },
      );
      try {
        await assert.rejects(executor.copy(change, recordingContext()), (error: Error & { host?: string }) => {
          assert.equal(error.host, doomed.host);
          assert.match(error.message, new RegExp(`^docker push ${doomed.host}/mirror/doomed:v1 failed: .*connection refused`));
          return true;
        });
      } finally {
        await executor.close();
      }
      assert.ok(!localImageIds().has(image.configDigest!), 'the pulled image is removed after the failed push');
    });

    test('an unreachable engine is one error at prepare naming DOCKER_HOST and docker own message', async () => {
      const dir = await makeTempDir('no-engine');
      const host = `unix://${join(dir, 'nothing.sock')}`;
      const { executor, tempConfigs } = await executorFor(path, {
        env: { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: userConfigDir },
      });
      await assert.rejects(executor.prepare(new AbortController().signal), (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`^cannot reach the Docker engine at ${host} \\(DOCKER_HOST\\): .*Cannot connect to the Docker daemon`),
        );
        return true;
      });
      await executor.close();
      assert.deepEqual(tempConfigs(), []);
    });

    test('a docker binary that does not exist is named', async () => {
      const { executor } = await executorFor(path, { binary: '/nonexistent/docker', engine: 'auto' });
      await assert.rejects(executor.prepare(new AbortController().signal), /the docker CLI "\/nonexistent\/docker" cannot be run/);
      await executor.close();
    });
  });
}

/** A "registry" that accepts connections and never answers: a pull from it hangs until it is killed. */
async function startSilentServer(): Promise<{ host: string; connections: () => number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    connections: () => connections,
    stop: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The docker CLI processes whose command line names `text` (read from /proc, nothing is killed). */
function dockerProcessesNaming(text: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('docker') && args.some((arg) => arg.includes(text))) found.push(Number(pid));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

describe('docker executor: interrupts', () => {
  test('an aborted copy kills its docker child; close() still drains the queue and removes the config', async () => {
    const silent = await startSilentServer();
    const image = await pushImage(source, 'team/abort', 'v1', { created: CREATED, content: 'abort' });
    const { executor, tempConfigs } = await executorFor('cli');
    await executor.prepare(new AbortController().signal);
    const hanging = buildImage({ created: CREATED, content: 'hangs' }).children[0]!;
    const hangingRef = `${silent.host}/team/hangs@${hanging.digest}`;
    try {
      await executor.copy(
        dockerCreate(
          { host: source.host, repository: 'team/abort', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
          { host: secured.host, repository: 'mirror/abort', tag: 'v1' },
        ),
        recordingContext(),
      );
      assert.ok(localImageIds().has(image.configDigest!), 'queued, not yet removed');
      const controller = new AbortController();
      const copy = executor.copy(
        dockerCreate(
          { host: silent.host, repository: 'team/hangs', tag: 'v1', digest: hanging.digest, configDigest: hanging.config.digest },
          { host: secured.host, repository: 'mirror/hangs', tag: 'v1' },
        ),
        recordingContext(controller.signal),
      );
      // Abort once dockerd is talking to the silent registry: the docker pull is in flight.
      while (silent.connections() === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(dockerProcessesNaming(hangingRef).length > 0, 'the docker pull runs');
      controller.abort();
      await assert.rejects(copy, (error: Error) => error.message === `docker pull ${hangingRef} failed: interrupted`);
      assert.deepEqual(dockerProcessesNaming(hangingRef), [], 'the docker child is gone');
    } finally {
      await executor.close();
      await silent.stop();
    }
    assert.ok(!localImageIds().has(image.configDigest!), 'close() drained the queue');
    assert.deepEqual(tempConfigs(), []);
  });
});

describe('docker executor: the Engine API', () => {
  test('an aborted pull stops its request at once: the copy fails "interrupted", close() still drains the queue', async () => {
    const silent = await startSilentServer();
    const image = await pushImage(source, 'team/abort-api', 'v1', { created: CREATED, content: 'abort-api' });
    const { executor } = await executorFor('api');
    await executor.prepare(new AbortController().signal);
    const hanging = buildImage({ created: CREATED, content: 'hangs-api' }).children[0]!;
    const hangingRef = `${silent.host}/team/hangs@${hanging.digest}`;
    try {
      await executor.copy(
        dockerCreate(
          { host: source.host, repository: 'team/abort-api', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
          { host: secured.host, repository: 'mirror/abort-api', tag: 'v1' },
        ),
        recordingContext(),
      );
      assert.ok(localImageIds().has(image.configDigest!), 'queued, not yet removed');
      const controller = new AbortController();
      const copy = executor.copy(
        dockerCreate(
          { host: silent.host, repository: 'team/hangs', tag: 'v1', digest: hanging.digest, configDigest: hanging.config.digest },
          { host: secured.host, repository: 'mirror/hangs', tag: 'v1' },
        ),
        recordingContext(controller.signal),
      );
      // dockerd is talking to the silent registry: the pull request is in flight (it would wait for dockerd's timeout).
      while (silent.connections() === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort();
      await assert.rejects(copy, (error: Error) => error.message === `docker pull ${hangingRef} failed: interrupted`);
      assert.deepEqual(dockerProcessesNaming(hangingRef), [], 'no docker process on this path');
    } finally {
      await executor.close();
      await silent.stop();
    }
    assert.ok(!localImageIds().has(image.configDigest!), 'close() drained the queue');
  });

  test('with no docker binary on PATH the copy goes through the socket, and the choice is said once', async () => {
    const image = await pushImage(source, 'team/nocli', 'v1', { created: CREATED, content: 'nocli' });
    const emptyPath = await makeTempDir('path-without-docker');
    const info: string[] = [];
    const { executor } = await executorFor('api', {
      engine: 'auto',
      env: { ...docker.env, PATH: emptyPath, HOME: userConfigDir, DOCKER_CONFIG: userConfigDir },
      info: (line) => info.push(line),
    });
    const change = dockerCreate(
      { host: source.host, repository: 'team/nocli', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
      { host: secured.host, repository: 'mirror/nocli', tag: 'v1' },
    );
    await executor.prepare(new AbortController().signal);
    const context = recordingContext();
    try {
      await executor.copy(change, context);
    } finally {
      await executor.close();
    }
    assert.deepEqual(info, [`docker executor: Engine API at ${docker.host}`]);
    assert.equal(await destinationConfigDigest('mirror/nocli', 'v1'), image.configDigest);
    // The same lines as the CLI: the command, then the engine's status lines.
    assert.equal(context.lines[0], executor.describe(change).map(formatOperation)[0]);
    assert.ok(context.lines.includes(executor.describe(change).map(formatOperation)[2]!), context.lines.join('\n'));
    assert.ok(
      context.lines.some((line) => /: Pushed$/.test(line)),
      context.lines.join('\n'),
    );
    assert.ok(!localImageIds().has(image.configDigest!), 'the pulled image is removed at close');
  });

  test("an engine stopped after the run began fails the change with the engine's words, naming its socket", async () => {
    const image = await pushImage(source, 'team/stopped-engine', 'v1', { created: CREATED, content: 'stopped-engine' });
    const stopping = await startDockerd();
    let stopped = false;
    const { executor } = await executorFor('api', {
      engine: 'auto',
      env: { ...stopping.env, PATH: await makeTempDir('path-without-docker'), HOME: userConfigDir, DOCKER_CONFIG: userConfigDir },
    });
    const change = dockerCreate(
      { host: source.host, repository: 'team/stopped-engine', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
      { host: secured.host, repository: 'mirror/stopped-engine', tag: 'v1' },
    );
    try {
      await executor.prepare(new AbortController().signal);
      await stopping.stop();
      stopped = true;
      await assert.rejects(executor.copy(change, recordingContext()), (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`^docker \\S+ .* failed: Cannot connect to the Docker daemon at ${stopping.host}\\. Is the docker daemon running\\?$`),
        );
        return true;
      });
    } finally {
      await executor.close();
      if (!stopped) await stopping.stop();
    }
    assert.equal(await rawManifest(secured, 'mirror/stopped-engine', 'v1'), null);
  });
});
