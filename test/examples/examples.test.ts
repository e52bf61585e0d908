/** Every shipped example config validates, names the schema for editors, and says what it is for. */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';

const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));
// Secrets the examples take from the environment; any value will do for validation.
const env: NodeJS.ProcessEnv = {
  MIRROR_USER: 'user',
  MIRROR_PASSWORD: 'pass',
  OLD_REGISTRY_USER: 'user',
  OLD_REGISTRY_PASSWORD: 'pass',
};

const expectedExamples = ['dockerhub-official-90d', 'latest-semver', 'reroot-registry'];

describe('examples/', async () => {
  const entries = await readdir(examplesDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

  it('holds the documented common cases', () => {
    for (const name of expectedExamples) assert.ok(names.includes(name), `examples/${name} is missing`);
  });

  for (const name of names) {
    const file = join(examplesDir, name, 'regsync.yaml');
    it(`${name}/regsync.yaml validates and names the schema`, async () => {
      const text = await readFile(file, 'utf8');
      assert.match(text.split('\n')[0] ?? '', /^# yaml-language-server: \$schema=\.\.\/\.\.\/schemas\/regsync\.schema\.json$/);
      const config = await loadConfig({ configFile: file, cwd: examplesDir, env });
      assert.ok(config.mirrors.length > 0);
    });
  }

  it('dockerhub-official-90d keeps images newer than 90 days from docker.io/library', async () => {
    const config = await loadConfig({ configFile: join(examplesDir, 'dockerhub-official-90d', 'regsync.yaml'), cwd: examplesDir, env });
    const [mirror] = config.mirrors;
    assert.deepEqual(mirror?.source, { scheme: 'registry', host: 'docker.io', prefix: 'library' });
    assert.equal(mirror?.tags.maxAge?.ms, 90 * 86_400_000);
  });

  it('reroot-registry lists the whole source catalog and re-roots it under a prefix', async () => {
    const config = await loadConfig({ configFile: join(examplesDir, 'reroot-registry', 'regsync.yaml'), cwd: examplesDir, env });
    const [mirror] = config.mirrors;
    assert.equal(mirror?.repositories.names, null);
    assert.equal(mirror?.source.prefix, '');
    assert.equal(mirror?.destination.prefix, 'legacy');
  });

  it('latest-semver keeps the 5 latest semver releases in every mirror', async () => {
    const config = await loadConfig({ configFile: join(examplesDir, 'latest-semver', 'regsync.yaml'), cwd: examplesDir, env });
    for (const mirror of config.mirrors) {
      assert.equal(mirror.tags.latest, 5);
      assert.notEqual(mirror.tags.semver, null);
    }
  });
});
