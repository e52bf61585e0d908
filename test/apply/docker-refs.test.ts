import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveDockerBinary } from '../../src/apply/executors/docker-cli.js';
import { formatOperation } from '../../src/apply/operations.js';
import { dockerExecutor } from '../../src/apply/executors/docker-executor.js';
import { dockerCopyRefs } from '../../src/apply/executors/docker-refs.js';
import { createDockerExecutor, heldCredentials } from '../../src/apply/executors/docker.js';
import type { Config } from '../../src/config/types.js';
import { dockerCreate } from '../helpers/docker-change.js';
import { mirrorConfig } from '../helpers/inventory-builder.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const CONFIG = `sha256:${'c'.repeat(64)}`;

describe('docker references', () => {
  it('pulls by digest, tags and pushes the destination tag; describe prints the exact commands', () => {
    const change = dockerCreate(
      { host: '127.0.0.1:5000', repository: 'team/app', tag: 'v1', digest: DIGEST, configDigest: CONFIG },
      { host: '127.0.0.1:5002', repository: 'mirror/team/app', tag: 'v1' },
      { platform: 'linux/arm64/v8' },
    );
    const executor = dockerExecutor({ binary: '/opt/podman/docker', env: {}, credentials: [], warn: () => {} });
    assert.deepEqual(executor.describe(change).map(formatOperation), [
      `/opt/podman/docker pull --platform linux/arm64/v8 127.0.0.1:5000/team/app@${DIGEST}`,
      `/opt/podman/docker tag 127.0.0.1:5000/team/app@${DIGEST} 127.0.0.1:5002/mirror/team/app:v1`,
      '/opt/podman/docker push 127.0.0.1:5002/mirror/team/app:v1',
    ]);
  });

  it('names Docker Hub as docker does: docker.io, official images under library/', () => {
    for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      const refs = dockerCopyRefs(
        dockerCreate(
          { host, repository: 'nginx', tag: '1.27', digest: DIGEST, configDigest: null },
          { host, repository: 'me/nginx', tag: '1.27' },
        ),
      );
      assert.equal(refs.source, `docker.io/library/nginx@${DIGEST}`);
      assert.equal(refs.target, 'docker.io/me/nginx:1.27');
    }
  });

  it('refuses an ocidir endpoint with the executor to use instead', () => {
    const change = dockerCreate(
      { host: 'ocidir://./out', repository: 'app', tag: 'v1', digest: DIGEST, configDigest: null },
      { host: '127.0.0.1:5002', repository: 'app', tag: 'v1' },
    );
    assert.throws(
      () => dockerCopyRefs(change),
      /the docker executor cannot read or write ocidir:\/\/\.\/out\/app:v1: use executor: registry/,
    );
  });

  it('the binary: --docker, else DOCKER, else docker', () => {
    assert.equal(resolveDockerBinary('/usr/bin/podman', { DOCKER: '/x/docker' }), '/usr/bin/podman');
    assert.equal(resolveDockerBinary(undefined, { DOCKER: '/x/docker' }), '/x/docker');
    assert.equal(resolveDockerBinary(undefined, {}), 'docker');
    assert.equal(resolveDockerBinary('', { DOCKER: '' }), 'docker');
  });
});

describe('createDockerExecutor: built from the run config', () => {
  const settings = { tls: null, caFile: null, maxConcurrency: 8, credentialHelper: null, timeout: { text: '30s', ms: 30_000 } };
  const config: Config = {
    version: 1,
    file: null,
    registries: {
      '127.0.0.1:5000': { ...settings, host: '127.0.0.1:5000', username: 'bot', password: 'pw-1234' },
      'ecr.example': { ...settings, host: 'ecr.example', username: null, password: null, credentialHelper: 'ecr-login' },
      'anon.example': { ...settings, host: 'anon.example', username: 'only-a-user', password: null },
    },
    mirrors: [mirrorConfig({ name: 'small', executor: 'docker', removalQueue: 2 })],
  };

  it('holds the user/password and helper credentials of the config, not a user without a password', () => {
    assert.deepEqual(heldCredentials(config), [
      { host: '127.0.0.1:5000', username: 'bot', password: 'pw-1234' },
      { host: 'ecr.example', credentialHelper: 'ecr-login' },
    ]);
  });

  it('runs the docker binary the run names', () => {
    const executor = createDockerExecutor({ config, env: {}, dockerBinary: 'podman', warn: () => {} });
    const change = dockerCreate(
      { host: '127.0.0.1:5000', repository: 'a', tag: 'v1', digest: DIGEST, configDigest: CONFIG },
      { host: '127.0.0.1:5001', repository: 'b', tag: 'v1' },
    );
    assert.equal(executor.name, 'docker');
    assert.equal(executor.describe(change).map(formatOperation)[2], 'podman push 127.0.0.1:5001/b:v1');
  });
});
