import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatImageRef,
  formatStoreEndpoint,
  imageRefAt,
  isOcidirEndpoint,
  parseImageRef,
  parseStoreEndpoint,
  registryHostName,
  splitTag,
  storeLocation,
} from '../../src/oci/index.js';
import type { StoreEndpoint } from '../../src/oci/index.js';

const D = `sha256:${'b'.repeat(64)}`;

const endpoints: Array<[string, StoreEndpoint]> = [
  ['127.0.0.1:5000', { scheme: 'registry', host: '127.0.0.1:5000' }],
  ['docker.io', { scheme: 'registry', host: 'docker.io' }],
  ['[::1]:5000', { scheme: 'registry', host: '[::1]:5000' }],
  ['ocidir:///data/mirror', { scheme: 'ocidir', path: '/data/mirror' }],
  ['ocidir://./out', { scheme: 'ocidir', path: './out' }],
];

for (const [text, expected] of endpoints) {
  test(`parseStoreEndpoint(${text}) and back`, () => {
    assert.deepEqual(parseStoreEndpoint(text), expected);
    assert.equal(formatStoreEndpoint(expected), text);
    assert.equal(isOcidirEndpoint(text), expected.scheme === 'ocidir');
  });
}

test('storeLocation is the key a pool files a store under: the host, or the directory', () => {
  assert.equal(storeLocation({ scheme: 'registry', host: 'ghcr.io' }), 'ghcr.io');
  assert.equal(storeLocation({ scheme: 'ocidir', path: '/data/mirror' }), '/data/mirror');
});

test('registryHostName names Docker Hub by one name', () => {
  assert.equal(registryHostName('index.docker.io'), 'docker.io');
  assert.equal(registryHostName('registry-1.docker.io'), 'docker.io');
  assert.equal(registryHostName('127.0.0.1:5000'), '127.0.0.1:5000');
});

test('imageRefAt: a plan end on Docker Hub is read as docker reads it', () => {
  const ref = imageRefAt('docker.io', 'alpine', '3.19', null);
  assert.deepEqual(ref, { scheme: 'registry', registry: 'registry-1.docker.io', repository: 'library/alpine', tag: '3.19', digest: null });
  assert.equal(formatImageRef(ref), 'docker.io/library/alpine:3.19');
  assert.equal(formatImageRef(imageRefAt('index.docker.io', 'bitnami/redis', null, D)), `docker.io/bitnami/redis@${D}`);
});

test('imageRefAt: a registry end keeps its host and repository', () => {
  const ref = imageRefAt('127.0.0.1:5000', 'team/app', 'v1', null);
  assert.equal(formatImageRef(ref), '127.0.0.1:5000/team/app:v1');
  assert.deepEqual(parseImageRef(formatImageRef(ref)), ref);
});

test('imageRefAt: an ocidir end keeps its directory as written; nested repositories round-trip', () => {
  const ref = imageRefAt('ocidir:///data/mirror', 'team/app', 'v1', null);
  assert.deepEqual(ref, { scheme: 'ocidir', registry: '/data/mirror', repository: 'team/app', tag: 'v1', digest: null });
  assert.equal(formatImageRef(ref), 'ocidir:///data/mirror//team/app:v1');
  assert.deepEqual(parseImageRef(formatImageRef(ref)), ref);
  assert.equal(imageRefAt('ocidir://./out', 'app', null, null).registry, './out');
});

test('splitTag: the tag colon is the last one after the last slash, never a port', () => {
  assert.deepEqual(splitTag('127.0.0.1:5000/app:v1'), { name: '127.0.0.1:5000/app', tag: 'v1' });
  assert.deepEqual(splitTag('127.0.0.1:5000/app'), { name: '127.0.0.1:5000/app', tag: null });
  assert.deepEqual(splitTag('ocidir://./out/team/app:v1'), { name: 'ocidir://./out/team/app', tag: 'v1' });
  assert.deepEqual(splitTag('alpine'), { name: 'alpine', tag: null });
});
