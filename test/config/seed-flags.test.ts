import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isConfigError } from '../../src/config/problems.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { SeedOptions } from '../../src/config/seed-flags.js';

const cwd = '/nonexistent-regsync-cwd';

function resolve(positionals: string[], options: SeedOptions = {}, env: NodeJS.ProcessEnv = {}) {
  return resolveConfig({ positionals, options, env, cwd });
}

test('SOURCE DESTINATION alone: one docker mirror named sync with every default', async () => {
  const resolved = await resolve(['127.0.0.1:5000', '127.0.0.1:5001']);
  assert.equal(resolved.origin.kind, 'flags');
  assert.equal(resolved.config.file, null);
  assert.equal(resolved.config.mirrors.length, 1);
  const mirror = resolved.config.mirrors[0]!;
  assert.equal(mirror.name, 'sync');
  assert.equal(mirror.executor, 'docker');
  assert.deepEqual(mirror.source, { scheme: 'registry', host: '127.0.0.1:5000', prefix: '' });
  assert.deepEqual(mirror.tags.include, ['.*']);
  assert.equal(mirror.tags.latest, null);
  assert.equal(resolved.dryRun, false);
});

// Each row: flags → the part of the mirror it sets.
const rows: { name: string; options: SeedOptions; env?: NodeJS.ProcessEnv; check: (m: Awaited<ReturnType<typeof resolve>>) => void }[] = [
  {
    name: '-i → repositories.include',
    options: { images: '^app' },
    check: (r) => assert.deepEqual(r.config.mirrors[0]!.repositories.include, ['^app']),
  },
  { name: '-t → tags.include', options: { tags: '^v1' }, check: (r) => assert.deepEqual(r.config.mirrors[0]!.tags.include, ['^v1']) },
  { name: '-x → tags.exclude', options: { exclude: '-rc' }, check: (r) => assert.deepEqual(r.config.mirrors[0]!.tags.exclude, ['-rc']) },
  {
    name: '-a → tags.maxAge',
    options: { age: '3d' },
    check: (r) => assert.deepEqual(r.config.mirrors[0]!.tags.maxAge, { text: '3d', ms: 3 * 86_400_000 }),
  },
  {
    name: '-a bare number is seconds',
    options: { age: '3600' },
    check: (r) => assert.equal(r.config.mirrors[0]!.tags.maxAge?.ms, 3_600_000),
  },
  { name: '-m → tags.latest', options: { max: '5' }, check: (r) => assert.equal(r.config.mirrors[0]!.tags.latest, 5) },
  { name: '--maximum → tags.latest', options: { maximum: '2' }, check: (r) => assert.equal(r.config.mirrors[0]!.tags.latest, 2) },
  { name: '-m -1 is unset', options: { max: '-1' }, check: (r) => assert.equal(r.config.mirrors[0]!.tags.latest, null) },
  {
    name: 'SYNC_MAX=-1 is unset',
    options: {},
    env: { SYNC_MAX: '-1' },
    check: (r) => assert.equal(r.config.mirrors[0]!.tags.latest, null),
  },
  {
    name: '-a with -m: both apply (the N newest of the young ones), with a warning that sync.sh ignored -m',
    options: { age: '1d', max: '3' },
    check: (r) => {
      assert.equal(r.config.mirrors[0]!.tags.latest, 3);
      assert.equal(r.config.mirrors[0]!.tags.maxAge?.text, '1d');
      assert.match(
        r.warnings[0] ?? '',
        /--max and --age both apply: the 3 newest of the images younger than 1d \(sync\.sh ignored --max when --age was set\)/,
      );
    },
  },
  {
    name: '-r → rename template',
    options: { rename: 'mirror/\\2' },
    check: (r) => assert.deepEqual(r.config.mirrors[0]!.rename, { kind: 'template', template: 'mirror/\\2' }),
  },
  { name: '--queue → removalQueue', options: { queue: '7' }, check: (r) => assert.equal(r.config.mirrors[0]!.removalQueue, 7) },
  {
    name: '--src-auth/--dst-auth → registries username/password',
    options: { srcAuth: 'alice:pa:ss', destinationAuth: 'bob:word' },
    check: (r) => {
      assert.equal(r.config.registries['127.0.0.1:5000']?.username, 'alice');
      assert.equal(r.config.registries['127.0.0.1:5000']?.password, 'pa:ss');
      assert.equal(r.config.registries['127.0.0.1:5001']?.username, 'bob');
      assert.ok(r.secrets.includes('pa:ss') && r.secrets.includes('word'));
    },
  },
  {
    name: 'SYNC_* environment',
    options: {},
    env: { SYNC_TAGS: '^v', SYNC_AGE: '2w', SYNC_QUEUE: '3', SYNC_DST_AUTH: 'u:p4ss' },
    check: (r) => {
      const m = r.config.mirrors[0]!;
      assert.deepEqual(m.tags.include, ['^v']);
      assert.equal(m.tags.maxAge?.text, '2w');
      assert.equal(m.removalQueue, 3);
      assert.equal(r.config.registries['127.0.0.1:5001']?.password, 'p4ss');
    },
  },
  {
    name: 'flags win over the environment',
    options: { tags: '^flag' },
    env: { SYNC_TAGS: '^env' },
    check: (r) => assert.deepEqual(r.config.mirrors[0]!.tags.include, ['^flag']),
  },
  {
    name: 'SYNC_SRC/DST_REGISTRY win over the positionals, as in sync.sh',
    options: {},
    env: { SYNC_SRC_REGISTRY: '127.0.0.1:6000', SYNC_DST_REGISTRY: '127.0.0.1:6001/x' },
    check: (r) => {
      assert.deepEqual(r.config.mirrors[0]!.source, { scheme: 'registry', host: '127.0.0.1:6000', prefix: '' });
      assert.deepEqual(r.config.mirrors[0]!.destination, { scheme: 'registry', host: '127.0.0.1:6001', prefix: 'x' });
    },
  },
  { name: '-n → dryRun', options: { dryRun: true }, check: (r) => assert.equal(r.dryRun, true) },
  { name: 'SYNC_DRYRUN=1 → dryRun', options: {}, env: { SYNC_DRYRUN: '1' }, check: (r) => assert.equal(r.dryRun, true) },
];

for (const row of rows) {
  test(`seed flags: ${row.name}`, async () => {
    row.check(await resolve(['127.0.0.1:5000', '127.0.0.1:5001'], row.options, row.env ?? {}));
  });
}

test('the environment alone (both SYNC_*_REGISTRY) selects flags mode', async () => {
  const resolved = await resolve([], {}, { SYNC_SRC_REGISTRY: '127.0.0.1:5000', SYNC_DST_REGISTRY: '127.0.0.1:5001', SYNC_IMAGES: 'app' });
  assert.equal(resolved.origin.kind, 'flags');
  assert.deepEqual(resolved.config.mirrors[0]!.repositories.include, ['app']);
});

const bad: { options: SeedOptions; env?: NodeJS.ProcessEnv; positionals?: string[]; expected: string[] }[] = [
  { options: { age: '3x' }, expected: ['--age: "3x" is not a duration (try 3d, 12h or P3D)'] },
  { options: {}, env: { SYNC_AGE: '3x' }, expected: ['SYNC_AGE: "3x" is not a duration (try 3d, 12h or P3D)'] },
  { options: { max: 'abc' }, expected: ['--max: "abc" is not a whole number'] },
  { options: { max: '0' }, expected: ['--max: must be at least 1, got 0'] },
  { options: { images: '(' }, expected: ['--images: "(" is not a valid regular expression: Unterminated group'] },
  {
    options: { rename: 'x/\\9' },
    expected: ['--rename: "x/\\9" uses \\9, but a rename template may only use \\1 to \\5 (the /-separated parts of the source path)'],
  },
  { options: { srcAuth: 'nocolon' }, expected: ['--src-auth: expected user:password'] },
  {
    options: { dstAuth: 'u:p', executor: 'registry' },
    positionals: ['127.0.0.1:5000', 'ocidir://./out'],
    expected: ['--dst-auth: ocidir://./out is a directory, which takes no credentials: drop --dst-auth'],
  },
  {
    options: {},
    positionals: ['http://x', '127.0.0.1:5001'],
    expected: ['SOURCE: "http://x" is not a registry location (write host[:port][/prefix], e.g. 127.0.0.1:5000/team, or ocidir://PATH)'],
  },
  {
    options: {},
    positionals: ['127.0.0.1:5000/Team', '127.0.0.1:5001/Mirror'],
    expected: [
      'DESTINATION: "127.0.0.1:5001/Mirror" is not a registry location: repository names are lowercase: write 127.0.0.1:5001/mirror',
      'SOURCE: "127.0.0.1:5000/Team" is not a registry location: repository names are lowercase: write 127.0.0.1:5000/team',
    ],
  },
  {
    options: { tags: 'x' },
    positionals: ['127.0.0.1:5000'],
    expected: ['DESTINATION: missing DESTINATION registry (give SOURCE DESTINATION or set SYNC_DST_REGISTRY)'],
  },
];

for (const row of bad) {
  test(`seed errors name the flag: ${row.expected[0]}`, async () => {
    await assert.rejects(resolve(row.positionals ?? ['127.0.0.1:5000', '127.0.0.1:5001'], row.options, row.env ?? {}), (error: unknown) => {
      assert.ok(isConfigError(error));
      assert.deepEqual(error.problems, row.expected);
      return true;
    });
  });
}

test('a password never appears in seed errors', async () => {
  await assert.rejects(resolve(['127.0.0.1:5000', '127.0.0.1:5001'], { age: 'zz', srcAuth: 'u:topsecret' }), (error: unknown) => {
    assert.ok(isConfigError(error));
    assert.ok(!JSON.stringify({ p: error.problems, m: error.message, d: error.details }).includes('topsecret'));
    return true;
  });
});
