/**
 * Acceptance checks of issue 4 (`regsync plan`) as a stranger would write them from the issue text, on OCI
 * layout directories (no server): the JSON names and enums, sort order, every action, the human footer and
 * legend, exit codes, --out, --mirror, colour, and the on-disk facts cache under $XDG_CACHE_HOME/regsync.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { makeTempDir } from '../harness/temp.js';
import { run } from '../cli/run.js';
import { repoRoot, startOcidirLab } from './ocidir-lab.js';
import type { OcidirLab } from './ocidir-lab.js';

const CONFIG = `version: 1
defaults:
  executor: registry
  repositories: { exclude: ['-tmp$'] }
  tags: { exclude: ['-rc'], semver: '>=1.1.0' }
mirrors:
  - name: team
    source: ocidir://./images
    destination: ocidir://./out
    repositories: { include: ['^team/'] }
    rename: 'mirror/\\2'
    prune: true
  - name: a-first
    source: ocidir://./images
    destination: ocidir://./out2
    repositories: { names: [team/api] }
    rename: { match: '^team/(.*)$', replace: 'mirror/$1' }
    overwrite: false
`;

interface JsonChange {
  id: string;
  mirror: string;
  action: string;
  reason: string;
  executor: string;
  source: Record<string, unknown> | null;
  target: Record<string, unknown>;
}
interface JsonPlan {
  changes: JsonChange[];
  skipped: Record<string, unknown>[];
  summary: Record<string, number>;
  stats: Record<string, number>;
  [key: string]: unknown;
}

let lab: OcidirLab;
let plan: JsonPlan;
let planText: string;
before(async () => {
  lab = await startOcidirLab();
  await lab.write('regsync.yaml', CONFIG);
  const result = await lab.cli(['plan', '--json']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  planText = result.stdout;
  plan = JSON.parse(planText) as JsonPlan;
});

describe('issue 4: the plan JSON', () => {
  it('has exactly the top-level, change, source, target, skipped, summary and stats names of the issue', () => {
    for (const key of ['formatVersion', 'regsyncVersion', 'createdAt', 'configDigest', 'changes', 'skipped', 'summary', 'stats'])
      assert.ok(key in plan, `no ${key}`);
    // 3 since issue 16 (referrers are changes of their own); nothing named here changed.
    assert.equal(plan.formatVersion, 3);
    assert.equal(plan.regsyncVersion, (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
    assert.equal(plan.createdAt, '2026-11-28T10:00:00.000Z');
    assert.match(String(plan.configDigest), /^sha256:[0-9a-f]{64}$/);
    for (const change of plan.changes) {
      for (const key of ['id', 'mirror', 'action', 'reason', 'executor', 'source', 'target'])
        assert.ok(key in change, `change lacks ${key}`);
      assert.equal(change.id, `${change.mirror}:${String(change.target.ref)}`);
      assert.ok(['create', 'update', 'delete', 'noop'].includes(change.action));
      assert.deepEqual(Object.keys(change.target).sort(), ['configDigest', 'digest', 'endpoint', 'ref', 'repository', 'tag']);
      if (change.action === 'delete') assert.equal(change.source, null);
      else
        assert.deepEqual(Object.keys(change.source ?? {}).sort(), [
          'configDigest',
          'created',
          'digest',
          'endpoint',
          'mediaType',
          'platforms',
          'ref',
          'repository',
          'tag',
        ]);
    }
    for (const skip of plan.skipped) {
      assert.deepEqual(Object.keys(skip).sort(), ['detail', 'filter', 'mirror', 'ref']);
      assert.ok(['include', 'exclude', 'semver', 'maxAge', 'minAge', 'latest', 'date-unknown'].includes(String(skip.filter)));
    }
    assert.deepEqual(Object.keys(plan.summary).sort(), ['create', 'delete', 'noop', 'skipped', 'update']);
    assert.ok(typeof plan.stats.requests === 'number' && typeof plan.stats.durationMs === 'number');
  });

  it('holds every action, noops included, sorted by mirror, target repository, tag', async () => {
    const got = plan.changes.map((change) => `${change.mirror} ${change.action} ${change.reason} ${String(change.target.ref)}`);
    assert.deepEqual(got, [
      'a-first noop up-to-date ocidir://./out2/mirror/api:v1.1.0',
      'a-first noop overwrite-disabled ocidir://./out2/mirror/api:v1.2.0',
      'team delete not-in-selection ocidir://./out/mirror/api:old',
      'team noop up-to-date ocidir://./out/mirror/api:v1.1.0',
      'team update content-differs ocidir://./out/mirror/api:v1.2.0',
      'team create missing-in-destination ocidir://./out/mirror/web:v3.4.1',
      'team create missing-in-destination ocidir://./out/mirror/web:v3.5.0',
    ]);
    const update = plan.changes.find((change) => change.action === 'update');
    assert.equal(update?.source?.digest, await lab.digestOf('team/api', 'v1.2.0'));
    assert.equal(update?.target.digest, await lab.digestOf('team/api', 'v1.0.0'));
    const create = plan.changes.find((change) => change.action === 'create');
    assert.equal(create?.target.digest, null);
    assert.equal(create?.target.configDigest, null);
    assert.deepEqual(plan.summary, { create: 2, update: 1, delete: 1, noop: 3, skipped: plan.skipped.length });
    assert.deepEqual(
      plan.skipped.filter((skip) => skip.mirror === 'team').map((skip) => `${String(skip.filter)} ${String(skip.ref)}`),
      [
        'semver ocidir://./images/team/api:latest',
        'semver ocidir://./images/team/api:v1.0.0',
        'exclude ocidir://./images/team/api:v2.0.0-rc.1',
        'exclude ocidir://./images/team/web-tmp',
      ],
    );
  });

  it('validates against schemas/plan.schema.json with a plain draft 2020-12 validator', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'plan.schema.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    const validate = ajv.compile(schema);
    assert.ok(validate(plan), JSON.stringify(validate.errors));
    // The enums of the issue, exactly: a plan with another action or filter is not a valid plan.
    assert.equal(validate({ ...plan, changes: [{ ...plan.changes[0], action: 'replace' }] }), false);
    assert.equal(validate({ ...plan, skipped: [{ mirror: 'team', ref: 'x', filter: 'age', detail: '' }] }), false);
  });

  it('--out FILE (with --json) writes the same plan the JSON on stdout shows', async () => {
    const result = await lab.cli(['plan', '--json', '--out', 'plan.json']);
    assert.equal(result.code, 0, result.stderr);
    const strip = (text: string): string => text.replace(/"(requests|durationMs)": \d+/g, '');
    assert.equal(strip(readFileSync(join(lab.dir, 'plan.json'), 'utf8')), strip(result.stdout));
    assert.equal(strip(result.stdout), strip(planText));
  });
});

describe('issue 4: the human plan and exit codes', () => {
  it('a legend of the symbols used, one line per change, the footer', async () => {
    const result = await lab.cli(['plan']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 4), ['Actions are shown with these symbols:', '  + create', '  ~ update', '  - delete']);
    assert.ok(lines.some((line) => /^\s+- delete ocidir:\/\/\.\/out\/mirror\/api:old\b/.test(line)));
    assert.ok(
      lines.some((line) =>
        /^\s+~ update ocidir:\/\/\.\/out\/mirror\/api:v1\.2\.0 {2}← ocidir:\/\/\.\/images\/team\/api:v1\.2\.0 \(sha256:[0-9a-f]{8}, created 2026-10-20/.test(
          line,
        ),
      ),
    );
    assert.ok(
      lines.some((line) =>
        /^\s+\+ create ocidir:\/\/\.\/out\/mirror\/web:v3\.5\.0 {2}← ocidir:\/\/\.\/images\/team\/web:v3\.5\.0 \(sha256:[0-9a-f]{8}, created 2026-11-15\)$/.test(
          line,
        ),
      ),
    );
    assert.ok(!result.stdout.includes('v1.1.0  ←'), 'unchanged tags are only counted without --show-unchanged');
    assert.equal(lines.at(-2), 'Plan: 2 to create, 1 to update, 1 to delete, 3 unchanged.');
    assert.equal((await lab.cli(['plan', '--detailed-exitcode'])).code, 2);
  });

  it('--mirror with only noops: "No changes." and exit 0 even with --detailed-exitcode; --show-unchanged lists them', async () => {
    const result = await lab.cli(['plan', '--mirror', 'a-first', '--detailed-exitcode']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\nNo changes\. The destination is up to date\.\n$/);
    assert.doesNotMatch(result.stdout, /Actions are shown/);
    const listed = await lab.cli(['plan', '--mirror', 'a-first', '--show-unchanged']);
    assert.match(listed.stdout, /out2\/mirror\/api:v1\.1\.0/);
    assert.match(listed.stdout, /out2\/mirror\/api:v1\.2\.0/);
    const both = await lab.cli(['plan', '--json', '--mirror', 'a-first', '--mirror', 'team']);
    assert.equal((JSON.parse(both.stdout) as JsonPlan).changes.length, 7);
  });

  it('--show-skipped lists each skipped tag with its filter and reason', async () => {
    const result = await lab.cli(['plan', '--mirror', 'team', '--show-skipped']);
    assert.match(result.stdout, /api:v1\.0\.0 +semver: 1\.0\.0 does not satisfy >=1\.1\.0/);
    assert.match(result.stdout, /api:v2\.0\.0-rc\.1 +exclude:/);
  });

  const colourRows: { name: string; argv: string[]; env: NodeJS.ProcessEnv; tty: boolean; colour: boolean }[] = [
    { name: 'a TTY', argv: [], env: {}, tty: true, colour: true },
    { name: 'not a TTY', argv: [], env: {}, tty: false, colour: false },
    { name: '--no-color', argv: ['--no-color'], env: {}, tty: true, colour: false },
    { name: 'NO_COLOR', argv: [], env: { NO_COLOR: '1' }, tty: true, colour: false },
    { name: '--json on a TTY', argv: ['--json'], env: {}, tty: true, colour: false },
    { name: 'markdown on a TTY', argv: ['--format', 'markdown'], env: {}, tty: true, colour: false },
  ];
  for (const row of colourRows) {
    it(`colour on stdout: ${row.name} → ${row.colour}`, async () => {
      const result = await lab.cli(['plan', ...row.argv], row.env, row.tty);
      assert.equal(result.code, 0, result.stderr);
      // eslint-disable-next-line no-control-regex
      assert.equal(/\u001b\[[0-9;]*m/.test(result.stdout), row.colour);
    });
  }
});

describe('issue 4: facts cache', () => {
  it('age filters cache created dates under $XDG_CACHE_HOME/regsync', async () => {
    const xdg = await makeTempDir('regsync-xdg-');
    await lab.write(
      'aged.yaml',
      'mirrors:\n  - name: aged\n    source: ocidir://./images\n    destination: ocidir://./out\n    executor: registry\n    repositories: {names: [team/web]}\n    tags: {maxAge: 1y}\n',
    );
    const result = await lab.cli(['plan', '-c', 'aged.yaml', '--json'], { REGSYNC_CACHE_DIR: undefined, XDG_CACHE_HOME: xdg, HOME: xdg });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(join(xdg, 'regsync')), 'no $XDG_CACHE_HOME/regsync');
    assert.ok(readdirSync(join(xdg, 'regsync'), { recursive: true }).length > 0);
  });
});

/** One sync.sh setting: its short/long flags, its variable, a value, and where it lands in `regsync config`. */
interface SeedRow {
  flags: string[];
  variable: string;
  value: string;
  other: string;
  read: (doc: SeedDoc) => unknown;
  expect: (value: string) => unknown;
}
interface SeedDoc {
  registries: Record<string, { username?: string; password?: string }>;
  mirrors: {
    source: string;
    destination: string;
    removalQueue: number;
    rename?: string;
    repositories: { include: string[] };
    tags: { include: string[]; exclude: string[]; maxAge?: string; latest?: number };
  }[];
}

const first = (doc: SeedDoc) => doc.mirrors[0]!;
const seedRows: SeedRow[] = [
  {
    flags: ['-i', '--images'],
    variable: 'SYNC_IMAGES',
    value: '^app',
    other: '^env',
    read: (d) => first(d).repositories.include,
    expect: (v) => [v],
  },
  { flags: ['-t', '--tags'], variable: 'SYNC_TAGS', value: '^v1', other: '^v2', read: (d) => first(d).tags.include, expect: (v) => [v] },
  {
    flags: ['-x', '--exclude'],
    variable: 'SYNC_EXCLUDE',
    value: '-rc',
    other: '-beta',
    read: (d) => first(d).tags.exclude,
    expect: (v) => [v],
  },
  { flags: ['-a', '--age'], variable: 'SYNC_AGE', value: '3d', other: '2w', read: (d) => first(d).tags.maxAge, expect: (v) => v },
  { flags: ['-m', '--max'], variable: 'SYNC_MAX', value: '5', other: '7', read: (d) => first(d).tags.latest, expect: (v) => Number(v) },
  {
    flags: ['-r', '--rename'],
    variable: 'SYNC_RENAME',
    value: 'mirror/\\2',
    other: 'env/\\1',
    read: (d) => first(d).rename,
    expect: (v) => v,
  },
  { flags: ['--queue'], variable: 'SYNC_QUEUE', value: '7', other: '9', read: (d) => first(d).removalQueue, expect: (v) => Number(v) },
  {
    flags: ['--src-auth'],
    variable: 'SYNC_SRC_AUTH',
    value: 'alice:s3cret-a',
    other: 'eve:s3cret-e',
    read: (d) => d.registries['127.0.0.1:5000']?.username,
    expect: (v) => v.split(':')[0],
  },
  {
    flags: ['--dst-auth'],
    variable: 'SYNC_DST_AUTH',
    value: 'bob:s3cret-b',
    other: 'mallory:s3cret-m',
    read: (d) => d.registries['127.0.0.1:5001']?.password,
    expect: () => '${SYNC_DST_PASSWORD}',
  },
];

describe("issue 4: the original shell tool's flags and SYNC_* variables", () => {
  const positionals = ['127.0.0.1:5000/team', '127.0.0.1:5001'];
  async function configDoc(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<SeedDoc> {
    const result = await lab.cli(['config', ...argv], env);
    assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
    assert.ok(!/s3cret/.test(result.stdout + result.stderr), 'a password was printed');
    return parse(result.stdout) as SeedDoc;
  }
  for (const row of seedRows) {
    it(`${[...row.flags, row.variable].join(', ')} (flags win over the environment)`, async () => {
      for (const flag of row.flags)
        assert.deepEqual(row.read(await configDoc([...positionals, flag, row.value])), row.expect(row.value), flag);
      assert.deepEqual(row.read(await configDoc(positionals, { [row.variable]: row.value })), row.expect(row.value), row.variable);
      const both = await configDoc([...positionals, row.flags[0]!, row.value], { [row.variable]: row.other });
      assert.deepEqual(row.read(both), row.expect(row.value));
    });
  }

  it('SYNC_SRC_REGISTRY and SYNC_DST_REGISTRY stand in for SOURCE DESTINATION', async () => {
    const doc = await configDoc(positionals, { SYNC_SRC_REGISTRY: '127.0.0.1:6000/team', SYNC_DST_REGISTRY: '127.0.0.1:6001/copy' });
    assert.deepEqual([first(doc).source, first(doc).destination], ['127.0.0.1:6000/team', '127.0.0.1:6001/copy']);
    // Alone they select the sync.sh mode only where no config file is (issue 7: a config file always wins).
    const bare = await run(['config'], {
      cwd: await makeTempDir('regsync-no-config-'),
      env: { SYNC_SRC_REGISTRY: '127.0.0.1:6000/team', SYNC_DST_REGISTRY: '127.0.0.1:6001/copy' },
    });
    assert.equal(bare.code, 0, bare.stderr);
    const alone = parse(bare.stdout) as SeedDoc;
    assert.deepEqual([first(alone).source, first(alone).destination], ['127.0.0.1:6000/team', '127.0.0.1:6001/copy']);
  });

  it('plan SOURCE DESTINATION -m N keeps the N newest tags (not everything but them)', async () => {
    const result = await lab.cli([
      'plan',
      'ocidir://./images/team',
      'ocidir://./fresh',
      '--executor',
      'registry', // issue 7: docker cannot read OCI layouts
      '-i',
      '^api$',
      '-t',
      '^v1',
      '-m',
      '2',
      '--json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as JsonPlan;
    assert.deepEqual(
      plan.changes.map((change) => `${change.action} ${String(change.target.ref)}`),
      ['create ocidir://./fresh/api:v1.1.0', 'create ocidir://./fresh/api:v1.2.0'],
    );
    assert.deepEqual(
      plan.skipped.map((skip) => `${String(skip.filter)} ${String(skip.ref)}`).sort(),
      [
        'include ocidir://./images/team/api:latest',
        'include ocidir://./images/team/api:v2.0.0-rc.1',
        'include ocidir://./images/team/web',
        'include ocidir://./images/team/web-tmp',
        'latest ocidir://./images/team/api:v1.0.0',
      ].sort(),
    );
  });
});
