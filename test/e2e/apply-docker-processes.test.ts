import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DockerCli } from '../../src/apply/executors/docker-cli.js';
import { dockerExecutor } from '../../src/apply/executors/docker-executor.js';
import { inspectLocalImages } from '../../src/apply/executors/docker-images.js';
import { startDockerd } from '../harness/dockerd.js';
import type { DockerdInstance } from '../harness/dockerd.js';
import { pushImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { dockerCreate, recordingContext } from '../helpers/docker-change.js';

const CREATED = '2024-03-01T00:00:00Z';

let docker: DockerdInstance;
/** Where the images come from, and where the copy pushes them. */
let source: RegistryInstance;
let destination: RegistryInstance;
const started: Array<{ stop(): Promise<void> }> = [];

before(async () => {
  [docker, source, destination] = await Promise.all([startDockerd(), startRegistry(), startRegistry()]);
  started.push(docker, source, destination);
});
after(() => Promise.all(started.map((instance) => instance.stop())));

/** A docker CLI that appends each command line to a log, then runs the real one: counts the processes a copy costs. */
async function countingDocker(): Promise<{ binary: string; commands(): string[] }> {
  const dir = await makeTempDir('counting-docker');
  const log = join(dir, 'commands.log');
  const binary = join(dir, 'docker');
  writeFileSync(log, '');
  writeFileSync(binary, `#!/bin/sh\necho "$*" >> '${log}'\nexec docker "$@"\n`);
  chmodSync(binary, 0o755);
  return {
    binary,
    commands: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line !== ''),
  };
}

describe('docker executor: processes per copy', () => {
  test('inspectLocalImages answers for present and missing references in order, in one docker process', async () => {
    const image = await pushImage(source, 'team/inspect', 'v1', { created: CREATED, content: 'inspect' });
    const reference = `${source.host}/team/inspect@${image.digest}`;
    assert.equal((await docker.docker(['pull', reference])).exitCode, 0);
    const counting = await countingDocker();
    const cli = new DockerCli(counting.binary, { ...process.env, ...docker.env }, []);
    const missing = `${source.host}/team/inspect:missing`;
    const found = await inspectLocalImages(cli, [missing, reference, 'sha256:' + '0'.repeat(64), image.configDigest!]);
    assert.deepEqual(
      found.map((local) => local?.id ?? null),
      [null, image.configDigest, null, image.configDigest],
    );
    assert.ok(found[1]!.size > 0);
    assert.equal(counting.commands().length, 1, counting.commands().join('\n'));
    assert.equal((await docker.docker(['image', 'rm', reference])).exitCode, 0);
  });

  test('a copy runs five docker commands (one inspect before the pull, one after) and its removal one more', async () => {
    const image = await pushImage(source, 'team/count', 'v1', { created: CREATED, content: 'count' });
    const counting = await countingDocker();
    const executor = dockerExecutor({
      binary: counting.binary,
      env: { ...process.env, ...docker.env },
      credentials: [],
      removalQueue: { docker: 0 },
      warn: (line) => assert.fail(line),
    });
    await executor.prepare(new AbortController().signal);
    const beforeCopy = counting.commands().length;
    try {
      const change = dockerCreate(
        { host: source.host, repository: 'team/count', tag: 'v1', digest: image.digest, configDigest: image.configDigest },
        { host: destination.host, repository: 'mirror/count', tag: 'v1' },
      );
      const { bytes } = await executor.copy(change, recordingContext());
      assert.ok(bytes > 0, 'the size of the pulled image');
    } finally {
      await executor.close();
    }
    const verbs = counting
      .commands()
      .slice(beforeCopy)
      .map((line) =>
        line
          .split(' ')
          .slice(0, line.startsWith('image') ? 2 : 1)
          .join(' '),
      );
    assert.deepEqual(verbs, ['image inspect', 'pull', 'image inspect', 'tag', 'push', 'image rm']);
  });
});
