/**
 * Acceptance checks of issue 2 (foundation) as a stranger would write them from the issue text: the full
 * example config, every duration form, `defaults`, `--config` in either position, the error format, the
 * schema files, and the package shape. Black-box through the CLI (in-process), no registry needed.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { run } from '../cli/run.js';
import { repoRoot } from './ocidir-lab.js';

const dir = mkdtempSync(join(tmpdir(), 'regsync-acceptance-2-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// The example's caFile: validate reads it since issue 7 (it must exist and hold a PEM certificate).
mkdirSync(join(dir, 'certs'));
copyFileSync(join(repoRoot, 'test', 'fixtures', 'config', 'valid', 'ca.pem'), join(dir, 'certs', 'ca.pem'));

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

/** The issue's example config, verbatim apart from a names list for docker.io (it has no catalog). */
const ISSUE_EXAMPLE = String.raw`version: 1
registries:
  "registry.example.com":
    username: ${'${REG_USER}'}
    password: ${'${REG_PASSWORD}'}
    credentialHelper: ecr-login
    tls: enabled
    caFile: ./certs/ca.pem
    maxConcurrency: 8
  "127.0.0.1:5002":
    tls: insecure
  "127.0.0.1:5003":
    tls: disabled
defaults:
  executor: registry
mirrors:
  - name: apps
    source: 127.0.0.1:5000/team
    destination: mirror.example.com/base
    executor: docker
    repositories:
      names: [app1, app2]
      include: ['^app']
      exclude: ['-tmp$']
    tags:
      include: ['^v1\.']
      exclude: ['-rc']
      semver: '>=1.2.0 <2'
      maxAge: 90d
      minAge: 1d
      latest: 5
    rename: 'mirror/\2'
    platforms: [linux/amd64, linux/arm64]
    overwrite: true
    prune: false
    removalQueue: 20
  - name: hub.copies_2
    source: docker.io/library
    destination: 127.0.0.1:5001/hub
    repositories: { names: [nginx] }
    rename: { match: '^team/(.*)$', replace: 'copies/$1' }
`;

const mirrorWith = (tags: string): string =>
  `mirrors:\n  - name: a\n    source: 127.0.0.1:5000\n    destination: 127.0.0.1:5001\n    tags:\n${tags}`;

describe('issue 2: the config file', () => {
  const env = { REG_USER: 'robot-user', REG_PASSWORD: 'robot-password-42' };

  it('the example of the issue validates: exit 0, one line per mirror and a summary', async () => {
    const file = write('example.yaml', ISSUE_EXAMPLE);
    const result = await run(['validate', '-c', file], { cwd: dir, env });
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /apps/);
    assert.match(lines[1] ?? '', /hub\.copies_2/);
  });

  it('`config` prints it as YAML: defaults merged, secrets ***, and it never prints the password', async () => {
    const file = write('example.yaml', ISSUE_EXAMPLE);
    const result = await run(['config', '--config', file], { cwd: dir, env });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes('robot-password-42'));
    const doc = parse(result.stdout) as { registries: Record<string, Record<string, unknown>>; mirrors: Record<string, unknown>[] };
    assert.equal(doc.registries['registry.example.com']?.password, '***');
    assert.equal(doc.registries['registry.example.com']?.credentialHelper, 'ecr-login');
    assert.deepEqual(
      doc.mirrors.map((mirror) => [mirror.name, mirror.executor, mirror.overwrite, mirror.prune]),
      [
        ['apps', 'docker', true, false],
        ['hub.copies_2', 'registry', true, false],
      ],
    );
  });

  it('a missing ${VAR} without default is an error naming the file, path and line', async () => {
    const file = write('example.yaml', ISSUE_EXAMPLE);
    const result = await run(['validate', '-c', file], { cwd: dir, env: { REG_USER: 'x' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^example\.yaml:5:\d+ \/registries\/registry\.example\.com\/password: .*REG_PASSWORD/);
  });

  const durations = ['30s', '5min', '5mi', '5M', '12h', '3d', '2w', '3mo', '3m', '1y', '1d12h', 'P30D', 'PT12H', 'P1Y2M'];
  for (const text of durations) {
    it(`maxAge and minAge accept ${text}`, async () => {
      for (const key of ['maxAge', 'minAge']) {
        const file = write(`duration-${key}.yaml`, mirrorWith(`      ${key}: ${text}\n`));
        const result = await run(['validate', '-c', file], { cwd: dir });
        assert.equal(result.code, 0, `${key}: ${text}: ${result.stderr}`);
      }
    });
  }

  for (const text of ['3x', '5minutes', 'P1X', '1 d', 'soon']) {
    it(`"${text}" is a config error in the issue's format, not a disabled filter`, async () => {
      const file = write('bad-duration.yaml', mirrorWith(`      maxAge: "${text}"\n`));
      const result = await run(['validate', '-c', file], { cwd: dir });
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr.split('\n')[0],
        `bad-duration.yaml:6:15 /mirrors/0/tags/maxAge: "${text}" is not a duration (try 3d, 12h or P3D)`,
      );
    });
  }

  it('defaults takes any mirror field except name, source and destination', async () => {
    const good = write(
      'defaults.yaml',
      `defaults:\n  executor: registry\n  tags: {include: ['^v'], latest: 3}\n  platforms: [linux/arm64]\n  overwrite: false\n  prune: true\n  removalQueue: 4\n  rename: 'x/\\1'\n  repositories: {exclude: ['-tmp$']}\nmirrors:\n  - name: a\n    source: 127.0.0.1:5000\n    destination: 127.0.0.1:5001\n`,
    );
    const result = await run(['config', '-c', good], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const mirror = (parse(result.stdout) as { mirrors: Record<string, unknown>[] }).mirrors[0];
    assert.deepEqual(
      [
        mirror?.executor,
        mirror?.overwrite,
        mirror?.prune,
        mirror?.removalQueue,
        mirror?.rename,
        mirror?.platforms,
        (mirror?.tags as { latest: number }).latest,
      ],
      ['registry', false, true, 4, 'x/\\1', ['linux/arm64'], 3],
    );
    for (const key of ['name: x', 'source: 127.0.0.1:5000', 'destination: 127.0.0.1:5001']) {
      const bad = write(
        'bad-defaults.yaml',
        `defaults:\n  ${key}\nmirrors:\n  - name: a\n    source: 127.0.0.1:5000\n    destination: 127.0.0.1:5001\n`,
      );
      const rejected = await run(['validate', '-c', bad], { cwd: dir });
      assert.equal(rejected.code, 1, `defaults.${key} was accepted`);
      assert.match(rejected.stderr, /^bad-defaults\.yaml:2:3 \/defaults/);
    }
  });

  it('mirror names follow [a-z0-9][a-z0-9._-]*', async () => {
    for (const [name, ok] of [
      ['a', true],
      ['0.b_c-d', true],
      ['Apps', false],
      ['-a', false],
      ['.a', false],
      ['a b', false],
    ] as const) {
      const file = write('name.yaml', `mirrors:\n  - name: "${name}"\n    source: 127.0.0.1:5000\n    destination: 127.0.0.1:5001\n`);
      assert.equal((await run(['validate', '-c', file], { cwd: dir })).code, ok ? 0 : 1, name);
    }
  });
});

describe('issue 2: the CLI', () => {
  const names = [
    'regsync.yaml',
    'regsync.yml',
    'regsync.config.yaml',
    '.regsyncrc',
    '.regsyncrc.yaml',
    '.regsyncrc.yml',
    '.regsyncrc.json',
    'regsync.json',
  ];
  for (const name of names) {
    it(`discovers ${name} in the current directory (YAML or JSON)`, async () => {
      const json = JSON.stringify({ version: 1, mirrors: [{ name: 'found', source: '127.0.0.1:5000', destination: '127.0.0.1:5001' }] });
      const texts = name.endsWith('.json')
        ? [json]
        : name === '.regsyncrc'
          ? [json, 'mirrors: [{name: found, source: "127.0.0.1:5000", destination: "127.0.0.1:5001"}]']
          : ['mirrors:\n  - {name: found, source: "127.0.0.1:5000", destination: "127.0.0.1:5001"}\n'];
      for (const text of texts) {
        const cwd = mkdtempSync(join(dir, 'discover-'));
        writeFileSync(join(cwd, name), text);
        const result = await run(['validate'], { cwd });
        assert.equal(result.code, 0, `${name}: ${result.stderr}`);
        assert.match(result.stdout, /^✓ found:/);
      }
    });
  }

  it('-c/--config works before and after the subcommand', async () => {
    const file = write('one.yaml', 'mirrors: [{name: one, source: "127.0.0.1:5000", destination: "127.0.0.1:5001"}]\n');
    for (const argv of [
      ['-c', file, 'validate'],
      ['--config', file, 'validate'],
      ['validate', '--config', file],
      ['validate', `--config=${file}`],
    ]) {
      const result = await run(argv, { cwd: dir });
      assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, /^✓ one:/);
    }
  });

  it('errors: one line on stderr, the stack only with --verbose', async () => {
    const quiet = await run(['validate', '-c', 'nope.yaml'], { cwd: dir });
    assert.equal(quiet.code, 1);
    assert.equal(quiet.stdout, '');
    assert.equal(quiet.stderr.split('\n').length, 2, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /\n\s+at /);
    const verbose = await run(['validate', '-c', 'nope.yaml', '--verbose'], { cwd: dir });
    assert.equal(verbose.code, 1);
    assert.match(verbose.stderr, /\n\s+at /);
  });

  it('`schema` prints schemas/regsync.schema.json; both schemas compile as draft 2020-12 in strict mode', async () => {
    const printed = await run(['schema'], { cwd: dir });
    assert.equal(printed.code, 0);
    assert.deepEqual(JSON.parse(printed.stdout), JSON.parse(readFileSync(join(repoRoot, 'schemas/regsync.schema.json'), 'utf8')));
    for (const name of ['regsync.schema.json', 'plan.schema.json']) {
      const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', name), 'utf8')) as Record<string, unknown>;
      assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema', name);
      const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
      (addFormats as unknown as (a: Ajv2020) => void)(ajv);
      assert.doesNotThrow(() => ajv.compile(schema), name);
    }
  });

  it('the package has the shape the issue asks for', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(pkg.type, 'module');
    assert.deepEqual(pkg.bin, { regsync: 'dist/cli.js' });
    assert.equal((pkg.engines as { node: string }).node, '>=20.19');
    for (const entry of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'src',
      'schemas',
      'examples',
      'test',
      'Dockerfile',
      'README.md',
      '.ci/run',
    ]) {
      assert.ok(existsSync(join(repoRoot, entry)), `no ${entry}`);
    }
    assert.match(readFileSync(join(repoRoot, 'src/cli.ts'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });
});
