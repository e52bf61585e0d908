import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostOptionsFromConfig } from '../../src/run/pool.js';
import { normalizeConfig } from '../../src/config/normalize.js';
import { findHostOptions } from '../../src/registry/pool.js';
import { isDockerHub } from '../../src/oci/docker-hub.js';
import { isDigest, isRepositoryComponent, isTag } from '../../src/oci/names.js';

test('isDigest: sha256 and 64 lower-case hex digits, nothing else', () => {
  assert.ok(isDigest(`sha256:${'a1'.repeat(32)}`));
  for (const bad of [`sha256:${'A1'.repeat(32)}`, `sha256:${'a'.repeat(63)}`, `sha512:${'a'.repeat(64)}`, 'a'.repeat(64), '']) {
    assert.equal(isDigest(bad), false, bad);
  }
});

test('isRepositoryComponent: the distribution grammar, never . or ..', () => {
  for (const good of ['team', 'my-app', 'a__b', 'a.b', 'a---b', '0']) assert.ok(isRepositoryComponent(good), good);
  for (const bad of ['', '.', '..', 'Team', '-a', 'a-', 'a___b', 'a/b', 'a b']) assert.equal(isRepositoryComponent(bad), false, bad);
});

test('isTag: a word character, then up to 127 of word characters, . and -', () => {
  for (const good of ['latest', 'v1.2.3', '1.25-alpine', '_x', 'A_b.C-d', 'a'.repeat(128)]) assert.ok(isTag(good), good);
  for (const bad of ['', '.hidden', '-rc', 'a'.repeat(129), 'a:b', 'a/b', 'a b', 'sha256:abc']) assert.equal(isTag(bad), false, bad);
});

test("isDockerHub: Docker Hub's three names, case-insensitive; nothing else", () => {
  for (const name of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'Docker.IO']) assert.ok(isDockerHub(name), name);
  for (const name of ['docker.com', 'ghcr.io', '127.0.0.1:5000', 'mirror.docker.io']) assert.equal(isDockerHub(name), false, name);
});

test('settings written under one Docker Hub name are found under every other (one lookup, in the pool; a default docker.io entry hid them)', () => {
  const config = normalizeConfig(
    {
      registries: { 'index.docker.io': { username: 'robot', password: 'secret-pass' } },
      mirrors: [{ name: 'hub', source: 'docker.io/library', destination: '127.0.0.1:5001', repositories: { names: ['nginx'] } }],
    },
    { file: '/x/regsync.yaml', baseDir: '/x' },
  );
  const hosts = hostOptionsFromConfig(config);
  for (const name of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
    assert.equal(findHostOptions(hosts, name).username, 'robot', name);
  }
  assert.deepEqual(findHostOptions(hosts, '127.0.0.1:5001').username, null);
  assert.deepEqual(findHostOptions(hosts, 'ghcr.io'), {});
});
