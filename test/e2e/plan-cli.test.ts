/**
 * `regsync plan` end to end against two REAL Distribution registries: the JSON actions, golden
 * human / markdown / JSON outputs, exit codes, --mirror, -o.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readPlanFile } from '../../src/planfile/index.js';
import type { PlanDocument } from '../../src/planfile/index.js';
import type { Plan } from '../../src/plan/types.js';
import { cli, MAIN_CONFIG, NOW, planEnv, startLab } from './plan-fixture.js';
import type { Lab } from './plan-fixture.js';

const goldenDir = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));

let lab: Lab;
let config: string;
before(async () => {
  lab = await startLab();
  config = await lab.writeConfig('regsync.yaml', MAIN_CONFIG);
});
after(async () => {
  await lab?.stop();
});

/** Ports change every run: golden files hold fixed stand-ins of the same length; stats vary too. */
function normalise(text: string): string {
  return (
    text
      .replaceAll(lab.source.host, '127.0.0.1:50000')
      .replaceAll(lab.destination.host, '127.0.0.1:50001')
      // The config digest covers the hosts, so it changes with the ports too (top level only, 2-space indent).
      .replace(/^ {2}"configDigest": "sha256:[a-f0-9]{64}"/m, '  "configDigest": "sha256:config"')
      .replace(/"requests": \d+/g, '"requests": 0')
      .replace(/"durationMs": \d+/g, '"durationMs": 0')
  );
}

async function golden(name: string, actual: string): Promise<void> {
  const file = join(goldenDir, name);
  const text = normalise(actual);
  if (process.env.UPDATE_GOLDEN === '1') {
    await mkdir(goldenDir, { recursive: true });
    await writeFile(file, text);
  }
  assert.ok(existsSync(file), `golden file ${name} is missing: run with UPDATE_GOLDEN=1 and review it`);
  assert.equal(text, await readFile(file, 'utf8'), `output differs from ${name} (UPDATE_GOLDEN=1 rewrites it; review the diff)`);
}

const S = (): string => lab.source.host;
const D = (): string => lab.destination.host;

describe('regsync plan against real registries', () => {
  it('--json: the plan JSON alone on stdout, with exactly the expected actions', async () => {
    const result = await cli(['plan', '-c', config, '--json'], await planEnv(), lab.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const plan = JSON.parse(result.stdout) as PlanDocument;
    assert.equal(plan.formatVersion, 3);
    assert.equal(plan.createdAt, NOW);
    assert.deepEqual(
      plan.changes.map((change) => [change.id, change.action, change.reason]),
      [
        [`apps:${D()}/mirror/app1:old`, 'delete', 'not-in-selection'],
        [`apps:${D()}/mirror/app1:stale`, 'noop', 'digest-shared-with-kept-tag'],
        [`apps:${D()}/mirror/app1:v1.0.0`, 'noop', 'up-to-date'],
        [`apps:${D()}/mirror/app1:v1.1.0`, 'update', 'content-differs'],
        [`apps:${D()}/mirror/app1:v1.2.0`, 'create', 'missing-in-destination'],
        [`apps:${D()}/mirror/app2:v2.0.0`, 'noop', 'up-to-date'],
        [`apps:${D()}/mirror/app2:v2.1.0`, 'create', 'missing-in-destination'],
        [`dock:${D()}/dock/app2:v2.0.0`, 'noop', 'up-to-date'],
        [`dock:${D()}/dock/app2:v2.1.0`, 'create', 'missing-in-destination'],
        [`tools:${D()}/copies/cli:v1.1.0`, 'create', 'missing-in-destination'],
      ],
    );
    assert.deepEqual(
      plan.skipped.map((skip) => [skip.mirror, skip.ref, skip.filter]).sort(),
      [
        ['apps', `${S()}/team/app1:latest`, 'include'],
        ['apps', `${S()}/team/app1:v0.9.0`, 'semver'],
        ['apps', `${S()}/team/app1:v1.0.1`, 'maxAge'],
        ['apps', `${S()}/team/tools/cli`, 'include'],
        ['tools', `${S()}/team/tools/cli:v1.0.0`, 'latest'],
      ].sort(),
    );
    assert.deepEqual(plan.summary, { create: 4, update: 1, delete: 1, noop: 4, skipped: 5 });
    assert.ok(plan.stats.requests > 0);

    // Facts read from the registries: dates of the config blobs, both platforms of an index.
    const byId = new Map(plan.changes.map((change) => [change.id, change]));
    const app2 = byId.get(`apps:${D()}/mirror/app2:v2.1.0`);
    assert.equal(app2?.source?.created, '2024-06-01T00:00:00Z');
    assert.deepEqual(app2?.source?.platforms, ['linux/amd64', 'linux/arm64']);
    assert.equal(app2?.source?.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    const update = byId.get(`apps:${D()}/mirror/app1:v1.1.0`);
    assert.equal(update?.source?.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.notEqual(update?.target.digest, null);
    assert.notEqual(update?.target.digest, update?.source?.digest);
    // The docker executor flattens an index: the plan says so.
    assert.equal(byId.get(`dock:${D()}/dock/app2:v2.1.0`)?.warnings?.length, 1);
    assert.equal(
      byId.get(`dock:${D()}/dock/app2:v2.0.0`)?.source?.configDigest,
      byId.get(`dock:${D()}/dock/app2:v2.0.0`)?.target.configDigest,
    );

    await golden('e2e-plan.json', result.stdout);
  });

  it('human output (colour off when stdout is not a TTY) matches the golden file', async () => {
    const result = await cli(['plan', '-c', config], await planEnv(), lab.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes('\u001b['), 'no ANSI colour codes');
    assert.match(result.stdout, /Plan: 4 to create, 1 to update, 1 to delete, 4 unchanged\./);
    await golden('e2e-plan.human.txt', result.stdout);
  });

  it('human output with --show-unchanged --show-skipped matches the golden file', async () => {
    const result = await cli(['plan', '-c', config, '--show-unchanged', '--show-skipped'], await planEnv(), lab.dir);
    assert.equal(result.code, 0, result.stderr);
    await golden('e2e-plan.human-all.txt', result.stdout);
  });

  it('--format markdown matches the golden file', async () => {
    const result = await cli(['plan', '-c', config, '--format', 'markdown'], await planEnv(), lab.dir);
    assert.equal(result.code, 0, result.stderr);
    await golden('e2e-plan.md', result.stdout);
  });

  it('--detailed-exitcode exits 2 when the plan has changes', async () => {
    const result = await cli(['plan', '-c', config, '--detailed-exitcode', '--json'], await planEnv(), lab.dir);
    assert.equal(result.code, 2, result.stderr);
    assert.equal((JSON.parse(result.stdout) as Plan).summary.create, 4);
  });

  it('--mirror plans only the named mirrors; an unknown name is an error listing the names', async () => {
    const env = await planEnv();
    const only = await cli(['plan', '-c', config, '--json', '--mirror', 'tools', '--mirror', 'dock'], env, lab.dir);
    assert.equal(only.code, 0, only.stderr);
    const plan = JSON.parse(only.stdout) as Plan;
    assert.deepEqual([...new Set(plan.changes.map((change) => change.mirror))], ['dock', 'tools']);

    const unknown = await cli(['plan', '-c', config, '--mirror', 'nope'], env, lab.dir);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /nope/);
    assert.match(unknown.stderr, /apps, dock, tools/);
  });

  it('-o writes a plan file that validates, and the human plan still prints', async () => {
    const out = join(lab.dir, 'plan.json');
    const result = await cli(['plan', '-c', config, '-o', out], await planEnv(), lab.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Plan: 4 to create/);
    const plan = await readPlanFile(out);
    assert.equal(plan.summary.create, 4);
    assert.equal(plan.changes.length, 10);
  });

  it('the same state gives byte-identical plans apart from stats', async () => {
    const first = await cli(['plan', '-c', config, '--json'], await planEnv(), lab.dir);
    const second = await cli(['plan', '-c', config, '--json'], await planEnv(), lab.dir);
    const strip = (text: string): string => text.replace(/"requests": \d+/, '').replace(/"durationMs": \d+/, '');
    assert.equal(strip(first.stdout), strip(second.stdout));
  });
});
