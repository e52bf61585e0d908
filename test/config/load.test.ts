import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { configDigest } from '../../src/config/digest.js';
import { loadConfig, loadConfigText } from '../../src/config/load.js';
import { configReadError, SEARCH_PLACES } from '../../src/config/locate.js';
import { isConfigError } from '../../src/config/problems.js';
import { isRegsyncError } from '../../src/util/errors.js';

const root = mkdtempSync(path.join(tmpdir(), 'regsync-config-'));
after(() => rmSync(root, { recursive: true, force: true }));
// FULL's caFile: validation reads it (it must exist and hold a PEM certificate).
mkdirSync(path.join(root, 'certs'));
copyFileSync(new URL('../fixtures/config/valid/ca.pem', import.meta.url), path.join(root, 'certs', 'ca.pem'));

const FULL = `
version: 1
registries:
  "127.0.0.1:5000":
    username: \${REG_USER}
    password: \${REG_PASSWORD}
    tls: insecure
    caFile: ./certs/ca.pem
    maxConcurrency: 3
    timeout: 90s
defaults:
  executor: registry
  tags:
    include: ['^v']
    maxAge: 90d
  repositories:
    exclude: ['-tmp$']
  removalQueue: 5
mirrors:
  - name: apps
    source: 127.0.0.1:5000/team
    destination: 127.0.0.1:5001/mirror/deep
    tags:
      latest: 5
      maxAge: P1W
    rename: 'mirror/\\2'
    executor: docker
  - name: local
    source: docker.io/library
    destination: ocidir://./layouts/sub
    repositories:
      names: [nginx]
    rename: { match: '^team/(.*)$', replace: 'copies/$1' }
    platforms: [linux/amd64, linux/arm/v7]
    overwrite: false
    prune: true
`;

function load(text: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfigText(text, { file: path.join(root, 'regsync.yaml'), displayName: 'regsync.yaml', env });
}

test('normalisation: defaults merged field by field, built-in defaults, endpoints, durations, paths', () => {
  const { config, secrets } = load(FULL, { REG_USER: 'robot', REG_PASSWORD: 's3cret-value' });
  assert.equal(config.file, path.join(root, 'regsync.yaml'));
  const [apps, local] = config.mirrors;
  assert.ok(apps !== undefined && local !== undefined);
  assert.deepEqual(apps.source, { scheme: 'registry', host: '127.0.0.1:5000', prefix: 'team' });
  assert.deepEqual(apps.destination, { scheme: 'registry', host: '127.0.0.1:5001', prefix: 'mirror/deep' });
  assert.equal(apps.executor, 'docker');
  assert.deepEqual(apps.tags, {
    include: ['^v'],
    exclude: [],
    semver: null,
    prerelease: false,
    maxAge: { text: 'P1W', ms: 7 * 86_400_000 },
    minAge: null,
    latest: 5,
  });
  assert.deepEqual(apps.repositories, { names: null, include: [], exclude: ['-tmp$'] });
  assert.deepEqual(apps.rename, { kind: 'template', template: 'mirror/\\2' });
  assert.equal(apps.platforms, null);
  assert.equal(apps.overwrite, true);
  assert.equal(apps.prune, false);
  assert.equal(apps.removalQueue, 5);

  assert.deepEqual(local.source, { scheme: 'registry', host: 'docker.io', prefix: 'library' });
  assert.deepEqual(local.destination, {
    scheme: 'ocidir',
    path: path.join(root, 'layouts/sub'),
    prefix: '',
    written: 'ocidir://./layouts/sub',
  });
  assert.equal(local.executor, 'registry');
  assert.deepEqual(local.repositories, { names: ['nginx'], include: [], exclude: ['-tmp$'] });
  assert.deepEqual(local.tags.maxAge, { text: '90d', ms: 90 * 86_400_000 });
  assert.deepEqual(local.rename, { kind: 'regex', match: '^team/(.*)$', replace: 'copies/$1' });
  assert.deepEqual(local.platforms, ['linux/amd64', 'linux/arm/v7']);
  assert.equal(local.overwrite, false);
  assert.equal(local.prune, true);

  assert.deepEqual(config.registries['127.0.0.1:5000'], {
    host: '127.0.0.1:5000',
    username: 'robot',
    password: 's3cret-value',
    credentialHelper: null,
    tls: 'insecure',
    caFile: path.join(root, 'certs/ca.pem'),
    maxConcurrency: 3,
    timeout: { text: '90s', ms: 90_000 },
  });
  // Hosts used by mirrors but not configured get defaults; ocidir destinations do not.
  assert.deepEqual(config.registries['docker.io'], {
    host: 'docker.io',
    username: null,
    password: null,
    credentialHelper: null,
    tls: null,
    caFile: null,
    maxConcurrency: 8,
    timeout: { text: '30s', ms: 30_000 },
  });
  assert.deepEqual(Object.keys(config.registries).sort(), ['127.0.0.1:5000', '127.0.0.1:5001', 'docker.io']);
  // The password is a secret; the user name, even from ${REG_USER}, is not (errors say `as robot`).
  assert.ok(secrets.includes('s3cret-value') && !secrets.includes('robot'));
});

test('minimal mirror: executor docker, include .*, overwrite true, prune false, queue 20', () => {
  const { config } = load('mirrors: [{name: a, source: "127.0.0.1:5000", destination: "127.0.0.1:5001"}]');
  assert.deepEqual(config.mirrors[0], {
    name: 'a',
    source: { scheme: 'registry', host: '127.0.0.1:5000', prefix: '' },
    destination: { scheme: 'registry', host: '127.0.0.1:5001', prefix: '' },
    executor: 'docker',
    repositories: { names: null, include: [], exclude: [] },
    tags: { include: ['.*'], exclude: [], semver: null, prerelease: false, maxAge: null, minAge: null, latest: null },
    rename: null,
    platforms: null,
    overwrite: true,
    prune: false,
    removalQueue: 20,
    referrers: null,
  });
});

test('${VAR:-default}, $${ escapes, and regex $ anchors are left alone', () => {
  const { config } = load(
    'mirrors: [{name: a, source: "${SRC:-127.0.0.1:5000}/team", destination: "127.0.0.1:5001", tags: {exclude: ["-rc$", "lit$${x}"]}}]',
  );
  assert.equal(config.mirrors[0]?.source.scheme === 'registry' && config.mirrors[0].source.host, '127.0.0.1:5000');
  assert.deepEqual(config.mirrors[0]?.tags.exclude, ['-rc$', 'lit${x}']);
});

test('a missing variable is a problem with its line; its secret value never shows in problems', () => {
  assert.throws(
    () => load('registries: {"127.0.0.1:5000": {password: "${NOPE}"}}\nmirrors: [{name: a, source: "127.0.0.1:5000", destination: "b"}]'),
    (error: unknown) =>
      isConfigError(error) &&
      error.code === 'CONFIG_INVALID' &&
      /^regsync\.yaml:1:\d+ \/registries\/127\.0\.0\.1:5000\/password: environment variable NOPE is not set/.test(error.problems[0] ?? ''),
  );
  assert.throws(
    () =>
      load(
        'registries: {"127.0.0.1:5000": {password: "hunter22", tls: "${T}"}}\nmirrors: [{name: a, source: "127.0.0.1:5000", destination: "b"}]',
        { T: 'hunter22' },
      ),
    (error: unknown) => isConfigError(error) && error.problems.length === 1 && !error.problems.join('').includes('hunter22'),
  );
});

test('configDigest: stable, sha256, ignores credentials and file location, changes with what is mirrored', () => {
  const a = load(FULL, { REG_USER: 'robot', REG_PASSWORD: 'one' }).config;
  const b = load(FULL, { REG_USER: 'other', REG_PASSWORD: 'two' }).config;
  assert.match(configDigest(a), /^sha256:[0-9a-f]{64}$/);
  assert.equal(configDigest(a), configDigest(b));
  assert.equal(configDigest(a), configDigest({ ...a, file: '/elsewhere/regsync.yaml' }));
  const c = load(FULL.replace('latest: 5', 'latest: 6'), { REG_USER: 'robot', REG_PASSWORD: 'one' }).config;
  assert.notEqual(configDigest(a), configDigest(c));
});

const MINIMAL = 'version: 1\nmirrors: [{name: a, source: "127.0.0.1:5000", destination: "127.0.0.1:5001"}]\n';

for (const place of SEARCH_PLACES) {
  test(`discovers ${place} in the cwd`, async () => {
    const dir = mkdtempSync(path.join(root, 'search-'));
    const text = place.endsWith('.json')
      ? JSON.stringify({ version: 1, mirrors: [{ name: 'a', source: '127.0.0.1:5000', destination: '127.0.0.1:5001' }] })
      : MINIMAL;
    writeFileSync(path.join(dir, place), text);
    const config = await loadConfig({ cwd: dir, env: {} });
    assert.equal(config.file, path.join(dir, place));
    assert.equal(config.mirrors[0]?.name, 'a');
  });
}

test('JSON configs get line numbers too', async () => {
  const dir = mkdtempSync(path.join(root, 'json-'));
  writeFileSync(
    path.join(dir, 'regsync.json'),
    '{\n  "mirrors": [\n    {"name": "a", "source": "x", "destination": "y", "executor": "nope"}\n  ]\n}\n',
  );
  await assert.rejects(
    loadConfig({ cwd: dir, env: {} }),
    (error: unknown) => isConfigError(error) && error.problems[0]?.startsWith('regsync.json:3:') === true,
  );
});

test('two config files in one directory are an error naming both, not a silent pick; parent directories are not searched', async () => {
  const dir = mkdtempSync(path.join(root, 'order-'));
  writeFileSync(path.join(dir, 'regsync.yaml'), MINIMAL);
  assert.equal((await loadConfig({ cwd: dir, env: {} })).mirrors[0]?.name, 'a');
  writeFileSync(path.join(dir, 'regsync.yml'), MINIMAL.replace('name: a', 'name: b'));
  await assert.rejects(
    loadConfig({ cwd: dir, env: {} }),
    (error: unknown) =>
      isRegsyncError(error) &&
      error.message ===
        `two config files in ${dir}: regsync.yaml and regsync.yml; keep one (remove or rename the other), or choose with -c FILE`,
  );
  writeFileSync(path.join(dir, '.regsyncrc.json'), '{"mirrors": []}');
  await assert.rejects(
    loadConfig({ cwd: dir, env: {} }),
    /^RegsyncError: 3 config files in .*: regsync\.yaml, regsync\.yml and \.regsyncrc\.json;/,
  );
  // -c (or REGSYNC_CONFIG) says which one: no ambiguity left.
  assert.equal((await loadConfig({ cwd: dir, configFile: 'regsync.yml', env: {} })).mirrors[0]?.name, 'b');
  const child = path.join(dir, 'child');
  mkdirSync(child);
  await assert.rejects(
    loadConfig({ cwd: child, env: {} }),
    (error: unknown) =>
      isRegsyncError(error) &&
      error.code === 'CONFIG_NOT_FOUND' &&
      error.message.includes('create regsync.yaml') &&
      error.message.includes('-c'),
  );
});

test('any two of the eight names clash', async () => {
  for (const [i, other] of SEARCH_PLACES.slice(1).entries()) {
    const dir = mkdtempSync(path.join(root, `pair-${i}-`));
    writeFileSync(path.join(dir, SEARCH_PLACES[0] ?? ''), MINIMAL);
    writeFileSync(path.join(dir, other), MINIMAL);
    await assert.rejects(
      loadConfig({ cwd: dir, env: {} }),
      new RegExp(`two config files in .*: regsync\\.yaml and ${other.replaceAll('.', '\\.')};`),
    );
  }
});

test('REGSYNC_CONFIG names the file; -c wins over it; a missing -c file is CONFIG_NOT_FOUND', async () => {
  const dir = mkdtempSync(path.join(root, 'env-'));
  writeFileSync(path.join(dir, 'one.yaml'), MINIMAL);
  writeFileSync(path.join(dir, 'two.yaml'), MINIMAL.replace('name: a', 'name: two'));
  assert.equal((await loadConfig({ cwd: dir, env: { REGSYNC_CONFIG: 'two.yaml' } })).mirrors[0]?.name, 'two');
  assert.equal((await loadConfig({ cwd: dir, configFile: 'one.yaml', env: { REGSYNC_CONFIG: 'two.yaml' } })).mirrors[0]?.name, 'a');
  await assert.rejects(
    loadConfig({ cwd: dir, configFile: 'nope.yaml', env: {} }),
    (error: unknown) => isRegsyncError(error) && error.code === 'CONFIG_NOT_FOUND' && error.message === 'config file nope.yaml not found',
  );
});

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    load(text, env);
  } catch (error) {
    if (isConfigError(error)) return error.problems;
    throw error;
  }
  return [];
}

const ONE_MIRROR = (extra: string) => `mirrors:\n  - name: a\n    source: "127.0.0.1:5000"\n    destination: "127.0.0.1:5001"\n${extra}`;

test('a duration too large to mean anything is a config error, not an unexpected crash', () => {
  assert.deepEqual(problemsOf(ONE_MIRROR('    tags: {minAge: 100000000000000000000000000}\n')), [
    'regsync.yaml:5:20 /mirrors/0/tags/minAge: 1e+26 is not a duration (try 3d, 12h or P3D)',
  ]);
});

test('maxAge 0 keeps nothing: an error naming the fix, not a silently empty mirror; minAge 0 is fine', () => {
  assert.deepEqual(problemsOf(ONE_MIRROR('    tags: {maxAge: 0}\n')), [
    'regsync.yaml:5:20 /mirrors/0/tags/maxAge: maxAge 0 keeps no image (nothing is younger than 0): remove maxAge, or give a duration such as 90d',
  ]);
  assert.deepEqual(problemsOf(ONE_MIRROR('    tags: {maxAge: P0D}\n')).length, 1);
  assert.equal(load(ONE_MIRROR('    tags: {minAge: 0}\n')).config.mirrors[0]?.tags.minAge?.ms, 0);
});

test('a YAML alias bomb is a config error on the file, not an unexpected crash', () => {
  const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  for (const [i, name] of ['b', 'c', 'd', 'e', 'f'].entries()) {
    const previous = String.fromCharCode('a'.charCodeAt(0) + i);
    levels.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(', ')}]`);
  }
  assert.throws(
    () => load(`${levels.join('\n')}\nmirrors: []\n`),
    (error: unknown) =>
      isConfigError(error) &&
      /^regsync\.yaml:1:1 YAML syntax error: Excessive alias count .*write the values out/.test(error.problems[0] ?? ''),
  );
});

test('a config path that is a directory says so and what to do, for -c, REGSYNC_CONFIG and discovery', async () => {
  const dir = mkdtempSync(path.join(root, 'isdir-'));
  mkdirSync(path.join(dir, 'conf'));
  const message = async (options: Parameters<typeof loadConfig>[0]): Promise<string> => {
    try {
      await loadConfig(options);
    } catch (error) {
      assert.ok(isRegsyncError(error) && error.code === 'CONFIG_NOT_FOUND');
      return error.message;
    }
    return assert.fail('loaded a directory');
  };
  assert.equal(
    await message({ cwd: dir, configFile: 'conf', env: {} }),
    'config file conf is a directory, not a file: pass the path of a file with -c',
  );
  assert.equal(
    await message({ cwd: dir, env: { REGSYNC_CONFIG: 'conf' } }),
    'config file conf (from REGSYNC_CONFIG) is a directory, not a file: fix or unset REGSYNC_CONFIG',
  );
  assert.equal(
    await message({ cwd: dir, env: { REGSYNC_CONFIG: 'gone.yaml' } }),
    'config file gone.yaml (from REGSYNC_CONFIG) not found: fix or unset REGSYNC_CONFIG',
  );
  // cosmiconfig skips a search place it cannot read; "no config file found" would hide the real reason.
  mkdirSync(path.join(dir, 'regsync.yaml'));
  assert.equal(
    await message({ cwd: dir, env: {} }),
    'config file regsync.yaml is a directory, not a file: rename or remove it, or pass -c FILE',
  );
});

test('an unreadable config file names the reason and the fix (permission errors cannot be staged as root)', () => {
  const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  assert.equal(
    configReadError('regsync.yaml', denied, '-c').message,
    'config file regsync.yaml cannot be read (permission denied): check its permissions, or pass the path of a file with -c',
  );
  assert.equal(
    configReadError('x.yaml', Object.assign(new Error('boom'), { code: 'ELOOP' }), 'search').message,
    'config file x.yaml cannot be read (ELOOP)',
  );
});

test('an empty section or names list is an error that says how to fix it; tags: {} is fine', () => {
  assert.deepEqual(problemsOf(`defaults:\n${ONE_MIRROR('    repositories: {names: []}\n')}`), [
    'regsync.yaml:1:10 /defaults: expected a mapping, got nothing (null): give it a value or remove the key',
    'regsync.yaml:6:27 /mirrors/0/repositories/names: an empty names list mirrors nothing: list repositories, or remove names to mirror the whole source catalog',
  ]);
  const { config } = load(`defaults: {}\n${ONE_MIRROR('    tags: {}\n    repositories: {}\n')}`);
  assert.deepEqual(config.mirrors[0]?.tags.include, ['.*']);
  assert.equal(config.mirrors[0]?.repositories.names, null);
});

test('${VAR} in a key is expanded (a registry host from the environment); problems under it keep their line', () => {
  const text =
    'registries:\n  "${REG_HOST}":\n    password: ${PW}\n    tls: nope\nmirrors:\n  - {name: a, source: "${REG_HOST}/team", destination: "127.0.0.1:5001"}\n';
  assert.deepEqual(problemsOf(text, { REG_HOST: '127.0.0.1:5000', PW: 'key-secret-1' }), [
    'regsync.yaml:4:10 /registries/${REG_HOST}/tls: "nope" is not allowed (expected one of "enabled", "insecure", "disabled")',
  ]);
  const { config, secrets } = load(text.replace('nope', 'insecure'), { REG_HOST: '127.0.0.1:5000', PW: 'key-secret-1' });
  assert.equal(config.registries['127.0.0.1:5000']?.password, 'key-secret-1');
  assert.equal(config.registries['127.0.0.1:5000']?.tls, 'insecure');
  assert.ok(secrets.includes('key-secret-1'));
  // A missing variable in a key is reported once, at the key.
  assert.deepEqual(problemsOf(text.replace('nope', 'insecure'), { PW: 'key-secret-1' }), [
    'regsync.yaml:2:3 /registries/${REG_HOST}: environment variable REG_HOST is not set (set it, or write ${REG_HOST:-default})',
    'regsync.yaml:6:23 /mirrors/0/source: environment variable REG_HOST is not set (set it, or write ${REG_HOST:-default})',
  ]);
  // Two keys that expand to the same host would silently drop one set of credentials.
  assert.deepEqual(
    problemsOf(
      'registries:\n  "127.0.0.1:5000": {}\n  "${REG_HOST}": {}\nmirrors: [{name: a, source: "127.0.0.1:5000", destination: "b"}]\n',
      { REG_HOST: '127.0.0.1:5000' },
    ),
    ['regsync.yaml:3:3 /registries/${REG_HOST}: "${REG_HOST}" becomes "127.0.0.1:5000", a key that is already used here'],
  );
});

test('a value whose ${VAR} is missing is reported once, not again as a bad duration or location', () => {
  assert.deepEqual(problemsOf(ONE_MIRROR('    tags: {maxAge: "${AGE}"}\n')), [
    'regsync.yaml:5:20 /mirrors/0/tags/maxAge: environment variable AGE is not set (set it, or write ${AGE:-default})',
  ]);
});

test('tags.prerelease: default false, true from defaults or the mirror, a boolean', () => {
  const { config } = load(`
defaults:
  tags: { prerelease: true }
mirrors:
  - { name: a, source: 127.0.0.1:5000/x, destination: 127.0.0.1:5001/y }
  - { name: b, source: 127.0.0.1:5000/x, destination: 127.0.0.1:5001/z, tags: { prerelease: false } }
`);
  assert.deepEqual(
    config.mirrors.map((m) => m.tags.prerelease),
    [true, false],
  );
  assert.equal(
    load('mirrors: [{ name: a, source: 127.0.0.1:5000/x, destination: 127.0.0.1:5001/y }]').config.mirrors[0]?.tags.prerelease,
    false,
  );
  assert.throws(() => load('mirrors: [{ name: a, source: h:1/x, destination: h:2/y, tags: { prerelease: yes } }]'), /prerelease/);
});

test('a caFile that does not exist or is not PEM is a validation error at its line, relative to the config file', () => {
  const registry = (caFile: string) =>
    `registries:\n  "127.0.0.1:5000":\n    caFile: ${caFile}\nmirrors:\n  - name: a\n    source: 127.0.0.1:5000\n    destination: 127.0.0.1:5001\n`;
  assert.deepEqual(problemsOf(registry('./certs/ca.pem')), []);
  assert.deepEqual(problemsOf(registry('./certs/missing.pem')), [
    `regsync.yaml:3:13 /registries/127.0.0.1:5000/caFile: caFile ./certs/missing.pem does not exist: give the path of a PEM CA certificate, relative to the config file`,
  ]);
  writeFileSync(path.join(root, 'certs', 'garbage.pem'), 'not a certificate\n');
  assert.deepEqual(problemsOf(registry('./certs/garbage.pem')), [
    'regsync.yaml:3:13 /registries/127.0.0.1:5000/caFile: caFile ./certs/garbage.pem is not a PEM certificate (expected -----BEGIN CERTIFICATE----- ... blocks)',
  ]);
  writeFileSync(path.join(root, 'certs', 'broken.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  assert.match(
    problemsOf(registry('./certs/broken.pem'))[0] ?? '',
    /caFile \.\/certs\/broken\.pem: certificate 1 of 1 is not a valid PEM certificate$/,
  );
  assert.match(problemsOf(registry('./certs'))[0] ?? '', /caFile \.\/certs is a directory, not a PEM certificate file$/);
});
