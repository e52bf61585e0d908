/** Where credentials files are looked for and how their keys name hosts: pure, on plain data and temp files. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { authFileLocations, authKeyHost, lookupByHost, readAuthFile } from '../../src/credentials/index.js';
import { isRegsyncError } from '../../src/util/errors.js';
import { makeTempDir } from '../harness/temp.js';

test('auth files in containers/image order, then Docker config', () => {
  const env = { HOME: '/home/u', REGISTRY_AUTH_FILE: '/etc/auth.json', XDG_RUNTIME_DIR: '/run/user/1000', DOCKER_CONFIG: '/d' };
  assert.deepEqual(authFileLocations(env), [
    { format: 'containers', file: '/etc/auth.json' },
    { format: 'containers', file: '/run/user/1000/containers/auth.json' },
    { format: 'containers', file: '/home/u/.config/containers/auth.json' },
    { format: 'docker', file: '/d/config.json' },
  ]);
  const plain = authFileLocations({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' }).map((location) => location.file);
  assert.deepEqual(plain, [
    `/run/containers/${process.getuid?.() ?? 0}/auth.json`,
    '/cfg/containers/auth.json',
    '/home/u/.docker/config.json',
  ]);
  assert.equal(authFileLocations({ HOME: '/h', DOCKER_CONFIG: '/d' }, '/override').at(-1)?.file, '/override/config.json');
});

test('auths keys: host[:port], the URL forms docker login writes, Docker Hub aliases; namespaces only in Docker files', () => {
  for (const format of ['docker', 'containers'] as const) {
    assert.equal(authKeyHost('https://index.docker.io/v1/', format), 'docker.io');
    assert.equal(authKeyHost('registry-1.docker.io', format), 'docker.io');
    assert.equal(authKeyHost('http://127.0.0.1:5000/v2/', format), '127.0.0.1:5000');
    assert.equal(authKeyHost('https://127.0.0.1:5000', format), '127.0.0.1:5000');
    assert.equal(authKeyHost('Registry.Example.com', format), 'registry.example.com');
  }
  // containers/image reads `host/ns` as credentials for that namespace only; Docker cuts it to the host.
  assert.equal(authKeyHost('quay.io/team', 'containers'), null);
  assert.equal(authKeyHost('quay.io/team', 'docker'), 'quay.io');
});

test('lookupByHost prefers the key written exactly as the host, then any key naming it', () => {
  const auths = { 'https://127.0.0.1:5000/v1/': 'url form', '127.0.0.1:5000': 'exact', 'docker.io': 'hub' };
  assert.equal(lookupByHost(auths, '127.0.0.1:5000', 'docker'), 'exact');
  assert.equal(lookupByHost({ 'https://127.0.0.1:5000/v1/': 'url form' }, '127.0.0.1:5000', 'containers'), 'url form');
  assert.equal(lookupByHost(auths, 'index.docker.io', 'docker'), 'hub');
  assert.equal(lookupByHost({ '127.0.0.1:5000/team': 'ns' }, '127.0.0.1:5000', 'containers'), undefined);
  assert.equal(lookupByHost(undefined, '127.0.0.1:5000', 'docker'), undefined);
});

test('a missing file is no file; an unreadable or invalid one is an error naming it, never quoting it', async () => {
  const dir = await makeTempDir('auth-files');
  assert.equal(await readAuthFile({ format: 'docker', file: join(dir, 'absent', 'config.json') }), null);
  assert.deepEqual((await readAuthFile({ format: 'docker', file: writeFile(dir, 'null.json', 'null') }))?.auths, undefined);

  // As root chmod does not stop a read; a directory where the file should be does (EISDIR).
  mkdirSync(join(dir, 'config.json'));
  await assert.rejects(readAuthFile({ format: 'docker', file: join(dir, 'config.json') }), (error) => {
    assert.ok(isRegsyncError(error));
    assert.equal(
      error.message,
      `cannot read the Docker config ${join(dir, 'config.json')} (it is a directory): make it readable or point DOCKER_CONFIG at another directory`,
    );
    return true;
  });
  const broken = writeFile(dir, 'auth.json', '{"auths": {"h": {"auth": "c2VjcmV0LXBhc3N3b3Jk"}');
  await assert.rejects(readAuthFile({ format: 'containers', file: broken }), (error) => {
    assert.ok(isRegsyncError(error));
    assert.equal(error.message, `the containers auth file ${broken} is not valid JSON: fix it or remove it`);
    return true;
  });
  await assert.rejects(readAuthFile({ format: 'containers', file: writeFile(dir, 'list.json', '[]') }), /is not a JSON object/);
});

function writeFile(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
