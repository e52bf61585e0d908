import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiRepository, formatImageRef, parseImageRef, registryHostForEndpoint } from '../../src/oci/index.js';
import type { ImageRef } from '../../src/oci/index.js';

const D = `sha256:${'a'.repeat(64)}`;
const reg = (registry: string, repository: string, tag: string | null, digest: string | null = null): ImageRef => ({
  scheme: 'registry',
  registry,
  repository,
  tag,
  digest,
});

const cases: Array<[string, ImageRef]> = [
  ['nginx', reg('registry-1.docker.io', 'library/nginx', null)],
  ['nginx:1.25', reg('registry-1.docker.io', 'library/nginx', '1.25')],
  ['docker.io/nginx:1.25', reg('registry-1.docker.io', 'library/nginx', '1.25')],
  ['index.docker.io/bitnami/redis:7', reg('registry-1.docker.io', 'bitnami/redis', '7')],
  ['bitnami/redis', reg('registry-1.docker.io', 'bitnami/redis', null)],
  ['localhost/app:v1', reg('localhost', 'app', 'v1')],
  ['localhost:5000/team/app:v1', reg('localhost:5000', 'team/app', 'v1')],
  ['127.0.0.1:5000/app', reg('127.0.0.1:5000', 'app', null)],
  ['127.0.0.1:5000/app@' + D, reg('127.0.0.1:5000', 'app', null, D)],
  ['127.0.0.1:5000/app:v2@' + D, reg('127.0.0.1:5000', 'app', 'v2', D)],
  ['ghcr.io/org/a/b/c:latest', reg('ghcr.io', 'org/a/b/c', 'latest')],
  ['[::1]:5000/app:x', reg('[::1]:5000', 'app', 'x')],
  ['ocidir:///data/mirror/app:v1', { scheme: 'ocidir', registry: '/data/mirror', repository: 'app', tag: 'v1', digest: null }],
  ['ocidir:///data/mirror//team/app:v1', { scheme: 'ocidir', registry: '/data/mirror', repository: 'team/app', tag: 'v1', digest: null }],
  ['ocidir:///d/app@' + D, { scheme: 'ocidir', registry: '/d', repository: 'app', tag: null, digest: D }],
];

for (const [text, expected] of cases) {
  test(`parseImageRef(${text})`, () => {
    const parsed = parseImageRef(text);
    assert.deepEqual(parsed, expected);
    assert.deepEqual(parseImageRef(formatImageRef(parsed)), parsed, 'format then parse gives the same ref');
  });
}

test('relative ocidir paths resolve against the working directory', () => {
  assert.equal(parseImageRef('ocidir://out/app:v1').registry, `${process.cwd()}/out`);
});

test('formatImageRef writes Docker Hub as docker.io', () => {
  assert.equal(formatImageRef(parseImageRef('nginx:1')), 'docker.io/library/nginx:1');
});

const invalid = ['', 'UPPER/case', '127.0.0.1:5000/app:bad tag', 'app@sha256:short', 'https://host/app', 'host.io//app', 'ocidir://app'];
for (const text of invalid) {
  test(`parseImageRef rejects ${JSON.stringify(text)} with USAGE`, () => {
    assert.throws(
      () => parseImageRef(text),
      (error: unknown) => (error as { code?: string }).code === 'USAGE',
    );
  });
}

test('registryHostForEndpoint maps Docker Hub aliases only', () => {
  assert.equal(registryHostForEndpoint('docker.io'), 'registry-1.docker.io');
  assert.equal(registryHostForEndpoint('index.docker.io'), 'registry-1.docker.io');
  assert.equal(registryHostForEndpoint('127.0.0.1:5000'), '127.0.0.1:5000');
});

test('apiRepository: Docker Hub official images live under library/, other registries keep the name', () => {
  assert.equal(apiRepository('docker.io', 'nginx'), 'library/nginx');
  assert.equal(apiRepository('registry-1.docker.io', 'nginx'), 'library/nginx');
  assert.equal(apiRepository('index.docker.io', 'bitnami/redis'), 'bitnami/redis');
  assert.equal(apiRepository('docker.io', 'library/nginx'), 'library/nginx');
  assert.equal(apiRepository('127.0.0.1:5000', 'nginx'), 'nginx');
  assert.equal(apiRepository('ghcr.io', 'app'), 'app');
});
