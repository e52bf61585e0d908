import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { run } from './run.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const empty = mkdtempSync(path.join(tmpdir(), 'regsync-cli-'));
after(() => rmSync(empty, { recursive: true, force: true }));
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };

test('--version prints the package version', async () => {
  const result = await run(['--version'], { cwd: empty });
  assert.deepEqual(result, { code: 0, stdout: `${pkg.version}\n`, stderr: '' });
});

test('--help lists every command and the global options', async () => {
  const result = await run(['--help'], { cwd: empty });
  assert.equal(result.code, 0);
  for (const word of ['validate', 'plan', 'apply', 'config', 'schema', '--verbose', '--quiet', '--no-color', '--config', '--version']) {
    assert.ok(result.stdout.includes(word), `help lacks ${word}`);
  }
  const planHelp = await run(['plan', '--help'], { cwd: empty });
  for (const word of [
    '--mirror',
    '--json',
    '--out',
    '--format',
    '--detailed-exitcode',
    '--show-unchanged',
    '--show-skipped',
    '--images',
    '--age',
    '--src-auth',
  ]) {
    assert.ok(planHelp.stdout.includes(word), `plan help lacks ${word}`);
  }
  assert.ok((await run(['apply', '--help'], { cwd: empty })).stdout.includes('--dry-run'));
});

test('an unknown command exits 1 with one regsync: line', async () => {
  const result = await run(['frobnicate'], { cwd: empty });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^regsync: unknown command 'frobnicate'\n/);
});

test('an unknown option exits 1', async () => {
  const result = await run(['validate', '--bogus'], { cwd: empty });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^regsync: unknown option '--bogus'/);
});

test('no config file: says to create regsync.yaml or pass -c', async () => {
  const result = await run(['validate'], { cwd: empty });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `regsync: no config file found in ${empty}: create regsync.yaml (see examples/quickstart/regsync.yaml) or pass -c FILE\n`,
  );
  const verbose = await run(['validate', '--verbose'], { cwd: empty });
  assert.match(verbose.stderr, /looked for: regsync\.yaml, regsync\.yml/);
});

test('validate on the quickstart example: exit 0, one line per mirror', async () => {
  const result = await run(['validate', '-c', 'examples/quickstart/regsync.yaml'], { cwd: repo });
  assert.equal(result.stderr, '');
  assert.equal(result.code, 0);
  assert.equal(
    result.stdout,
    '✓ team: ocidir://./images → ocidir://./mirrored (registry executor)\nConfig examples/quickstart/regsync.yaml is valid: 1 mirror.\n',
  );
  assert.equal((await run(['-q', 'validate', '-c', 'examples/quickstart/regsync.yaml'], { cwd: repo })).stdout, '');
});

test('every example config validates', async () => {
  for (const dir of ['quickstart', 'local-registries']) {
    const result = await run(['validate', '-c', `examples/${dir}/regsync.yaml`], { cwd: repo });
    assert.equal(result.code, 0, result.stderr);
  }
});

test('REGSYNC_CONFIG and a discovered regsync.yaml are used', async () => {
  const dir = mkdtempSync(path.join(empty, 'disc-'));
  writeFileSync(path.join(dir, 'regsync.yaml'), 'mirrors: [{name: found, source: "127.0.0.1:5000", destination: "127.0.0.1:5001"}]\n');
  assert.match((await run(['validate'], { cwd: dir })).stdout, /✓ found:/);
  const viaEnv = await run(['validate'], { cwd: empty, env: { REGSYNC_CONFIG: path.join(dir, 'regsync.yaml') } });
  assert.match(viaEnv.stdout, /✓ found:/);
});

test('schema prints the JSON Schema file', async () => {
  const result = await run(['schema'], { cwd: empty });
  assert.equal(result.code, 0);
  const printed = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.deepEqual(printed, JSON.parse(readFileSync(path.join(repo, 'schemas/regsync.schema.json'), 'utf8')));
  assert.equal(printed.$schema, 'https://json-schema.org/draft/2020-12/schema');
});

test('schema plan prints the plan file schema; an unknown name is a usage error', async () => {
  const result = await run(['schema', 'plan'], { cwd: empty });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), JSON.parse(readFileSync(path.join(repo, 'schemas/plan.schema.json'), 'utf8')));
  const config = await run(['schema', 'config'], { cwd: empty });
  assert.deepEqual(JSON.parse(config.stdout), JSON.parse(readFileSync(path.join(repo, 'schemas/regsync.schema.json'), 'utf8')));
  const bad = await run(['schema', 'nope'], { cwd: empty });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /nope.*(config|plan)/s);
});

const SECRET_CONFIG = `
registries:
  "127.0.0.1:5000":
    username: literal-user
    password: literal-password-123
  "127.0.0.1:5001":
    username: \${DST_USER}
    password: \${DST_PASSWORD}
  "127.0.0.1:5002":
    password: \${MISSING_PW:-default-password-456}
mirrors:
  - name: apps
    source: 127.0.0.1:5000/team
    destination: 127.0.0.1:5001/mirror
`;

test('config never prints a password or a secret taken from ${VAR}; user names are shown', async () => {
  const dir = mkdtempSync(path.join(empty, 'secret-'));
  writeFileSync(path.join(dir, 'regsync.yaml'), SECRET_CONFIG);
  const env = { DST_USER: 'env-user-name', DST_PASSWORD: 'env-password-789' };
  const result = await run(['config'], { cwd: dir, env });
  assert.equal(result.code, 0, result.stderr);
  for (const secret of ['literal-password-123', 'env-password-789', 'default-password-456']) {
    assert.ok(!result.stdout.includes(secret), `printed ${secret}`);
    assert.ok(!result.stderr.includes(secret), `printed ${secret} on stderr`);
  }
  const doc = parse(result.stdout) as { registries: Record<string, { username?: string; password?: string }> };
  assert.deepEqual(doc.registries['127.0.0.1:5000'], { username: 'literal-user', password: '***', maxConcurrency: 8 });
  // A user name is not a secret, also when it comes from ${VAR}: `regsync config` shows who regsync logs in as.
  assert.equal(doc.registries['127.0.0.1:5001']?.username, 'env-user-name');
  assert.equal(doc.registries['127.0.0.1:5001']?.password, '***');
  assert.equal(doc.registries['127.0.0.1:5002']?.password, '***');
});

test('config prints the effective config in the file shape, which validates again (round trip)', async () => {
  const dir = mkdtempSync(path.join(empty, 'round-'));
  const result = await run(['config', '-c', path.join(repo, 'examples/local-registries/regsync.yaml')], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  const doc = parse(result.stdout) as { mirrors: { executor: string; tags: { maxAge: string; include: string[] } }[] };
  assert.equal(doc.mirrors[0]?.executor, 'registry');
  assert.equal(doc.mirrors[0]?.tags.maxAge, '90d');
  assert.deepEqual(doc.mirrors[0]?.tags.include, ['.*']);
  writeFileSync(path.join(dir, 'regsync.yaml'), result.stdout);
  assert.equal((await run(['validate'], { cwd: dir })).code, 0);
});

test('config SOURCE DESTINATION with sync.sh flags prints an equivalent regsync.yaml without the secret', async () => {
  const argv = [
    'config',
    '127.0.0.1:5000/team',
    '127.0.0.1:5001',
    '-i',
    '^app',
    '-a',
    '3d',
    '--src-auth',
    'alice:flag-secret-1',
    '--dest-auth',
    'bob:flag-secret-2',
  ];
  const result = await run(argv, { cwd: empty });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(!result.stdout.includes('flag-secret'));
  const doc = parse(result.stdout) as {
    registries: Record<string, { username: string; password: string }>;
    mirrors: { name: string; tags: { maxAge: string } }[];
  };
  assert.deepEqual(doc.registries['127.0.0.1:5000'], { username: 'alice', password: '${SYNC_SRC_PASSWORD}', maxConcurrency: 8 });
  assert.equal(doc.registries['127.0.0.1:5001']?.password, '${SYNC_DST_PASSWORD}');
  assert.equal(doc.mirrors[0]?.name, 'sync');
  assert.equal(doc.mirrors[0]?.tags.maxAge, '3d');
  // The printed file works once the variables are set: one step from flags to a config file.
  const dir = mkdtempSync(path.join(empty, 'migrate-'));
  writeFileSync(path.join(dir, 'regsync.yaml'), result.stdout);
  const env = { SYNC_SRC_PASSWORD: 'x', SYNC_DST_PASSWORD: 'y' };
  assert.equal((await run(['validate'], { cwd: dir, env })).code, 0);
});

test('seed flag errors name the flag', async () => {
  const result = await run(['validate', '127.0.0.1:5000', '127.0.0.1:5001', '--age', '3x'], { cwd: empty });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, '--age: "3x" is not a duration (try 3d, 12h or P3D)\nregsync: invalid config (1 problem)\n');
});

test('plan and apply validate the config first (sync.sh flags and files alike)', async () => {
  const plan = await run(['plan', '127.0.0.1:5000', '127.0.0.1:5001', '-a', 'nope'], { cwd: empty });
  assert.equal(plan.code, 1);
  assert.equal(plan.stderr, '--age: "nope" is not a duration (try 3d, 12h or P3D)\nregsync: invalid config (1 problem)\n');
  const fixtures = path.join(repo, 'test/fixtures/config/invalid');
  for (const command of ['plan', 'apply']) {
    const result = await run([command, '-c', 'bad-duration.yaml'], { cwd: fixtures });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, readFileSync(path.join(fixtures, 'bad-duration.expected.txt'), 'utf8'));
  }
});

test('-c together with SOURCE DESTINATION is a usage error', async () => {
  const result = await run(['validate', '-c', 'x.yaml', '127.0.0.1:5000', '127.0.0.1:5001'], { cwd: empty });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'regsync: give either -c FILE or SOURCE DESTINATION with flags, not both\n');
});

test('a REGSYNC_CONFIG that names nothing says it came from REGSYNC_CONFIG', async () => {
  const result = await run(['validate'], { cwd: empty, env: { REGSYNC_CONFIG: 'missing.yaml' } });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'regsync: config file missing.yaml (from REGSYNC_CONFIG) not found: fix or unset REGSYNC_CONFIG\n');
});

test('--verbose is read from the parsed options, combined short flags too (-qv)', async () => {
  const combined = await run(['-qv', 'validate'], { cwd: empty });
  assert.match(combined.stderr, /looked for: regsync\.yaml/);
  assert.doesNotMatch((await run(['-q', 'validate'], { cwd: empty })).stderr, /looked for/);
});
