/**
 * The docker executor through the Engine API against podman's Docker-compatible service (`podman system service`),
 * with no docker binary on PATH: a copy lands with podman's progress lines (byte counts when a pull takes seconds),
 * a missing source, a refused push and a stopped engine fail their change with the engine's message, and the
 * engine's images after the runs are the ones before.
 */
import { formatOperation } from '../../src/apply/operations.js';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { dockerExecutor } from '../../src/apply/executors/docker-executor.js';
import type { DockerExecutorOptions } from '../../src/apply/executors/docker-executor.js';
import { buildImage, pushImage, rawManifest } from '../harness/images.js';
import { startPodman } from '../harness/podman.js';
import type { PodmanInstance } from '../harness/podman.js';
import { startPacedRelay } from '../harness/paced-relay.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import type { Listening } from '../harness/tcp-listen.js';
import { makeTempDir } from '../harness/temp.js';
import { dockerCreate, recordingContext } from '../helpers/docker-change.js';

const CREATED = '2024-03-01T00:00:00Z';

let podman: PodmanInstance;
let source: RegistryInstance;
let secured: RegistryInstance;
/** The source registry behind a relay passing 1 MiB/s: a layer of a few MiB takes seconds to pull through it. */
let paced: Listening;

before(async () => {
  [source, secured] = await Promise.all([startRegistry(), startRegistry({ auth: 'htpasswd' })]);
  paced = await startPacedRelay(source.host, 1024 * 1024);
  podman = await startPodman([source.host, secured.host, paced.host]);
});
after(() => Promise.all([podman?.stop(), paced?.stop(), source?.stop(), secured?.stop()]));

async function executorFor(overrides: Partial<DockerExecutorOptions> = {}) {
  const home = await makeTempDir('podman-executor-home');
  const info: string[] = [];
  const warnings: string[] = [];
  const executor = dockerExecutor({
    binary: 'docker',
    // No docker (nor podman) on PATH: only the socket.
    env: { PATH: await makeTempDir('path-without-docker'), HOME: home, DOCKER_CONFIG: home, DOCKER_HOST: podman.host },
    credentials: [{ host: secured.host, ...secured.credentials! }],
    warn: (line) => warnings.push(line),
    info: (line) => info.push(line),
    ...overrides,
  });
  return { executor, info, warnings };
}

/** Every image and reference podman lists (GET /images/json through its socket), sorted. */
function engineImages(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: podman.host.slice('unix://'.length), path: '/v1.41/images/json?all=1' }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        const images = JSON.parse(text) as Array<{ Id: string; RepoTags?: string[] | null; RepoDigests?: string[] | null }>;
        resolve(images.flatMap((image) => [image.Id, ...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])]).sort());
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The size podman gives an image it holds (GET /images/{name}/json, `Size`). */
function engineImageSize(name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const path = `/v1.41/images/${encodeURIComponent(name)}/json`;
    const req = request({ socketPath: podman.host.slice('unix://'.length), path }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve((JSON.parse(text) as { Size: number }).Size));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('docker executor through the Engine API: podman', () => {
  test('a copy lands through podman socket, with its progress lines; the engine lists what it listed before', async () => {
    const image = await pushImage(source, 'team/pod', 'v1', { created: CREATED, content: 'pod' });
    const before = await engineImages();
    const { executor, info, warnings } = await executorFor();
    const change = dockerCreate(
      { host: source.host, repository: 'team/pod', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
      { host: secured.host, repository: 'mirror/pod', tag: 'v1' },
    );
    await executor.prepare(new AbortController().signal);
    const context = recordingContext();
    let bytes = 0;
    try {
      ({ bytes } = await executor.copy(change, context));
    } finally {
      await executor.close();
    }
    assert.deepEqual(info, [`docker executor: Engine API at ${podman.host}`]);
    assert.deepEqual(warnings, []);
    assert.ok(bytes > 0);
    // Progress while the copy ran (podman's stream), before the change's final size: more than one report, rising.
    // podman's stream read as it came: its per-layer status lines under the change (podman 4.3 sends byte counts
    // only at an interval, none for layers this small, so the bytes the copy reports are the image's size).
    const pulling = context.lines.filter((line) => /^[0-9a-f]{12}: (Pulling fs layer|Download complete)$/.test(line));
    assert.ok(pulling.length >= 2, context.lines.join('\n'));
    assert.ok(
      context.lines.some((line) => /^v1: digest: sha256:[0-9a-f]{64} size: \d+$/.test(line)),
      context.lines.join('\n'),
    );
    assert.equal(context.bytes.at(-1), bytes);
    assert.equal(context.lines[0], executor.describe(change).map(formatOperation)[0]);
    const manifest = await rawManifest(secured, 'mirror/pod', 'v1');
    assert.ok(manifest, 'the destination tag exists');
    assert.equal((JSON.parse(manifest.bytes.toString('utf8')) as { config: { digest: string } }).config.digest, image.configDigest);
    assert.deepEqual(await engineImages(), before);
  });

  test("podman's byte counts: a pull that takes seconds reports rising bytes, its push reports none, the change ends at the image's size", async () => {
    // One 4 MiB layer of seeded (incompressible, deterministic) bytes, pulled through the 1 MiB/s relay. podman 4.3
    // sends a layer's `Downloading` progress (progressDetail current/total) only once a second; over bare loopback
    // even a 24 MiB layer arrives first and the stream has `Pulling fs layer` / `Download complete` only. Its push
    // stream has no per-layer messages at all: `The push refers to repository [...]` and the digest line.
    const spec = { created: CREATED, content: 'pod-bytes', layerSize: 4 * 1024 * 1024 };
    const image = await pushImage(source, 'team/pod-bytes', 'v1', spec);
    const layerSize = buildImage(spec).children[0]!.layers[0]!.bytes.length;
    const before = await engineImages();
    const { executor } = await executorFor();
    const change = dockerCreate(
      { host: paced.host, repository: 'team/pod-bytes', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
      { host: secured.host, repository: 'mirror/pod-bytes', tag: 'v1' },
    );
    await executor.prepare(new AbortController().signal);
    // Between pull and tag the pulled image is in podman: its size as podman gives it, asked then.
    const asked: { imageSize?: Promise<number> } = {};
    const context = recordingContext(new AbortController().signal, (line) => {
      if (line.startsWith('docker tag ')) asked.imageSize ??= engineImageSize(`${paced.host}/team/pod-bytes@${image.digest}`);
    });
    let bytes = 0;
    try {
      ({ bytes } = await executor.copy(change, context));
    } finally {
      await executor.close();
    }
    const trace = `${context.lines.join('\n')}\nbytes: ${context.bytes.join(', ')}`;
    // The reports before the final one are podman's pull counts of the layer: at least two, rising, below its size.
    const pulled = context.bytes.slice(0, -1);
    assert.ok(pulled.length >= 2, trace);
    for (let i = 1; i < pulled.length; i++) assert.ok(pulled[i]! > pulled[i - 1]!, trace);
    assert.ok(pulled[0]! > 0 && pulled.at(-1)! < layerSize, trace);
    // The push adds no count: after podman's first push line, only its digest line.
    const pushAt = context.lines.findIndex((line) => line.startsWith('The push refers to repository ['));
    assert.ok(pushAt >= 0, trace);
    assert.deepEqual(
      context.lines
        .slice(pushAt + 1)
        .filter((line) => !/^v1: digest: sha256:[0-9a-f]{64} size: \d+$/.test(line) && !line.startsWith('docker ')),
      [],
      trace,
    );
    // The change ends at the image's size as podman gives it (not a sum of the pull's counts).
    assert.equal(context.bytes.at(-1), bytes);
    assert.ok(asked.imageSize, trace);
    assert.equal(bytes, await asked.imageSize);
    const manifest = await rawManifest(secured, 'mirror/pod-bytes', 'v1');
    assert.ok(manifest, 'the destination tag exists');
    assert.deepEqual(await engineImages(), before);
  });

  test('a missing source manifest fails the change with podman message', async () => {
    const missing = buildImage({ created: CREATED, content: 'never-pushed' }).children[0]!;
    const before = await engineImages();
    const { executor } = await executorFor();
    const change = dockerCreate(
      { host: source.host, repository: 'team/pod', tag: 'gone', digest: missing.digest, configDigest: missing.config.digest },
      { host: secured.host, repository: 'mirror/gone', tag: 'gone' },
    );
    await executor.prepare(new AbortController().signal);
    try {
      await assert.rejects(executor.copy(change, recordingContext()), (error: Error) => {
        assert.match(error.message, new RegExp(`^docker pull ${source.host}/team/pod@${missing.digest} failed: .*manifest unknown`));
        return true;
      });
    } finally {
      await executor.close();
    }
    assert.deepEqual(await engineImages(), before);
  });

  test('a push the registry refuses (no credentials) fails the change with podman message', async () => {
    const image = await pushImage(source, 'team/pod-refused', 'v1', { created: CREATED, content: 'pod-refused' });
    const before = await engineImages();
    const { executor } = await executorFor({ credentials: [] });
    const change = dockerCreate(
      { host: source.host, repository: 'team/pod-refused', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
      { host: secured.host, repository: 'mirror/pod-refused', tag: 'v1' },
    );
    await executor.prepare(new AbortController().signal);
    try {
      await assert.rejects(executor.copy(change, recordingContext()), (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`^docker push ${secured.host}/mirror/pod-refused:v1 failed: .*(unauthorized|authentication required)`, 'i'),
        );
        return true;
      });
    } finally {
      await executor.close();
    }
    assert.deepEqual(await engineImages(), before);
  });

  test("an engine stopped after the run began fails the change with the engine's words, naming its socket", async () => {
    const image = await pushImage(source, 'team/pod-stopped', 'v1', { created: CREATED, content: 'pod-stopped' });
    const stopping = await startPodman([source.host, secured.host]);
    let stopped = false;
    const { executor } = await executorFor({
      env: { PATH: await makeTempDir('path-without-docker'), HOME: await makeTempDir('podman-home'), DOCKER_HOST: stopping.host },
    });
    const change = dockerCreate(
      { host: source.host, repository: 'team/pod-stopped', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
      { host: secured.host, repository: 'mirror/pod-stopped', tag: 'v1' },
    );
    try {
      await executor.prepare(new AbortController().signal);
      await stopping.stop();
      stopped = true;
      await assert.rejects(executor.copy(change, recordingContext()), (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`failed: Cannot connect to the Docker daemon at ${stopping.host}\\. Is the docker daemon running\\?`),
        );
        return true;
      });
    } finally {
      await executor.close();
      if (!stopped) await stopping.stop();
    }
    assert.equal(await rawManifest(secured, 'mirror/pod-stopped', 'v1'), null);
  });
});
