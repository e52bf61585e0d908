/**
 * `regsync apply PLAN.json` against REAL registries: a saved plan runs without asking; a moved source tag makes
 * its change stale; tampered or foreign plan files and a changed config are refused before any change.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Plan } from '../../src/plan/types.js';
import { pushImage, rawManifest } from '../harness/images.js';
import { parseApplyResult, startApplyLab, statuses } from './apply-fixture.js';
import { cli, planEnv } from './plan-fixture.js';
import type { Lab } from './plan-fixture.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

/** A fresh lab with a saved plan: the plan file's path and content. */
async function savedPlan(): Promise<{ lab: Lab; config: string; file: string; plan: Plan }> {
  const started = await startApplyLab();
  lab = started.lab;
  const file = join(started.lab.dir, 'plan.json');
  const planned = await cli(['plan', '-c', started.config, '--out', file], await planEnv(), started.lab.dir);
  assert.equal(planned.code, 0, planned.stderr);
  return { ...started, file, plan: JSON.parse(await readFile(file, 'utf8')) as Plan };
}

/** Every file under a registry's storage with its size: an upload, a blob, a link or a tag written changes it. */
async function storage(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  return (await Promise.all(files.map(async (file) => `${relative(dir, file)} ${(await stat(file)).size}`))).sort();
}

describe('regsync apply PLAN.json', () => {
  it('a source tag moved after planning: that change is stale, the others are done, exit 1', async () => {
    const { lab, config, file, plan } = await savedPlan();
    await pushImage({ url: lab.source.url }, 'team/app1', 'v1.2.0', { content: 'moved', created: '2024-06-30T00:00:00Z' });
    const result = await cli(['apply', '-c', config, file, '--json'], await planEnv(), lab.dir);
    assert.equal(result.code, 1, result.stderr);
    const applied = parseApplyResult(result.stdout);
    const moved = `apps:${lab.destination.host}/mirror/app1:v1.2.0`;
    const expected = Object.fromEntries(
      plan.changes.filter((c) => c.action !== 'noop').map((c) => [c.id, c.id === moved ? 'stale' : 'done']),
    );
    assert.deepEqual(statuses(applied), expected);
    const stale = applied.changes.find((change) => change.id === moved)!;
    assert.match(stale.error ?? '', new RegExp(`source ${lab.source.host}/team/app1:v1.2.0 now points at sha256:[a-f0-9]{8}`));
    assert.equal(await rawManifest(lab.destination, 'mirror/app1', 'v1.2.0'), null);
    assert.equal(applied.summary.stale, 1);
    assert.match(result.stderr, /Apply complete: 5 created, 2 updated, 1 deleted, 0 failed, 1 stale\.\n$/);
  });

  it('is carried out without asking (no terminal, no --yes), and a second run finds every change already present', async () => {
    const { lab, config, file } = await savedPlan();
    const first = await cli(['apply', '-c', config, file], await planEnv(), lab.dir);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Apply complete: 6 created, 2 updated, 1 deleted, 0 failed\.\n$/);
    // Compare and swap: what the plan wanted is already there, so nothing is copied again.
    const second = await cli(['apply', '-c', config, file, '--json'], await planEnv(), lab.dir);
    assert.equal(second.code, 0, second.stderr);
    const applied = parseApplyResult(second.stdout);
    for (const change of applied.changes) {
      assert.equal(change.status, 'present', change.id);
      assert.equal(change.bytes, 0);
    }
    // Counted apart from what a run writes: the second run created nothing.
    assert.deepEqual(applied.summary, { created: 0, updated: 0, deleted: 0, failed: 0, present: 9, stale: 0, skipped: 0 });
    assert.match(second.stderr, /\nApply complete: 0 created, 0 updated, 0 deleted, 0 failed, 9 already present\.\n$/);
    const third = await cli(['apply', '-c', config, file], await planEnv(), lab.dir);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /\nApply complete: 0 created, 0 updated, 0 deleted, 0 failed, 9 already present\.\n$/);
  });

  // A refused plan file changes nothing, so the refusals share one lab and its saved plan (each checks that
  // the destination is untouched, which is also what keeps the next one meaningful): one start instead of five.
  describe('refuses before any change', () => {
    let shared: Awaited<ReturnType<typeof savedPlan>>;
    let stored: { source: string[]; destination: string[] };
    before(async () => {
      shared = await savedPlan();
      lab = undefined; // not stopped after each test: the `after` below stops it
      stored = { source: await storage(shared.lab.source.dataDir), destination: await storage(shared.lab.destination.dataDir) };
      assert.ok(stored.destination.length > 0);
    });
    after(() => shared.lab.stop());

    const assertUntouched = async () => {
      assert.equal(await rawManifest(shared.lab.destination, 'mirror/app1', 'v1.2.0'), null);
      assert.notEqual(await rawManifest(shared.lab.destination, 'mirror/app1', 'old'), null);
      // Nothing written at all: no blob, upload, link or tag in either registry's storage.
      assert.deepEqual(await storage(shared.lab.destination.dataDir), stored.destination);
      assert.deepEqual(await storage(shared.lab.source.dataDir), stored.source);
    };
    type Tampered = { changes: Array<Plan['changes'][number] & { copy?: { platforms: string[] | null } }> };
    const changeOf = (plan: Record<string, unknown>, tag: string) =>
      (plan as unknown as Tampered).changes.find((change) => change.target.ref.endsWith(`/mirror/app1:${tag}`))!;
    const S = () => shared.lab.source.host;
    const D = () => shared.lab.destination.host;

    // A RegExp the error matches, or a function giving stderr exactly (it may name the lab's hosts).
    const tamperings: Array<[string, (plan: Record<string, unknown>) => void, RegExp | (() => string)]> = [
      ['an unknown key (schema)', (plan) => (plan.extra = true), /plan file .* is not a valid regsync plan .*unknown key "extra"/],
      [
        'formatVersion 1',
        (plan) => (plan.formatVersion = 1),
        /^regsync: plan file made by another regsync version \(formatVersion 1\): run regsync plan again$/m,
      ],
      [
        'a summary that does not match the changes',
        (plan) => ((plan.summary as { create: number }).create += 1),
        /\/summary\/create: is 7 but the plan has 6/,
      ],
      [
        'an id that does not match its target',
        (plan) => ((plan.changes as Array<{ id: string }>)[0]!.id = 'apps:elsewhere:v1'),
        /\/changes\/0\/id: must be "apps:/,
      ],
      // Issue 14 item 2: a plan file edited to write elsewhere is refused whole, naming the change and the field.
      [
        'a target edited (repository and tag; ref and id left as reviewed)',
        (plan) => {
          const change = changeOf(plan, 'v1.2.0');
          change.target.repository = 'evil/two';
          change.target.tag = 'pwn';
        },
        () =>
          `regsync: plan file does not match its config: change "apps:${D()}/mirror/app1:v1.2.0" targets ${D()}/evil/two:pwn, but mirror apps maps ${S()}/team/app1:v1.2.0 to ${D()}/mirror/app1:v1.2.0: run regsync plan again\n`,
      ],
      [
        'a delete moved outside the mirror',
        (plan) => {
          const change = changeOf(plan, 'old');
          change.target.repository = 'evil/two';
          change.target.ref = `${change.target.endpoint}/evil/two:old`;
          change.id = `apps:${change.target.ref}`;
        },
        /^regsync: plan file does not match its config: change "apps:[^"]+\/evil\/two:old" deletes [^ ]+\/evil\/two:old, outside the repositories mirror apps manages at [^ ]+\/mirror: run regsync plan again\n$/,
      ],
      // Under the mirror's prefix and through its filters, so the config alone cannot refuse it: no source repository
      // team/app9 maps there, which only the source's catalog says.
      [
        'a delete moved to a repository under the prefix that no source repository maps to',
        (plan) => {
          const change = changeOf(plan, 'old');
          change.target.repository = 'mirror/app9';
          change.target.ref = `${change.target.endpoint}/mirror/app9:old`;
          change.id = `apps:${change.target.ref}`;
        },
        () =>
          `regsync: plan file does not match the source registry: change "apps:${D()}/mirror/app9:old" deletes ${D()}/mirror/app9:old, but no repository that mirror apps selects at ${S()}/team maps to ${D()}/mirror/app9: run regsync plan again\n`,
      ],
      [
        'other copy.platforms',
        (plan) => (changeOf(plan, 'v1.2.0').copy = { platforms: ['linux/arm64'] }),
        /^regsync: plan file does not match its config: change "apps:[^"]+:v1\.2\.0" copies platforms \["linux\/arm64"\], but mirror apps \(executor registry\) copies the whole image: run regsync plan again\n$/,
      ],
      [
        'a made-up digest',
        (plan) => (changeOf(plan, 'v1.2.0').source!.digest = 'sha256:abc'),
        /is not a valid regsync plan \(1 problem\): \/changes\/\d+\/source\/digest: must match pattern "\^sha256:\[0-9a-f\]\{64\}\$"/,
      ],
    ];
    tamperings.forEach(([what, tamper, message], index) => {
      it(`a plan file with ${what}`, async () => {
        const { lab, config, file } = shared;
        const document = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
        tamper(document);
        const tampered = join(lab.dir, `tampered-${index}.json`);
        await writeFile(tampered, JSON.stringify(document));
        const result = await cli(['apply', '-c', config, tampered], await planEnv(), lab.dir);
        assert.equal(result.code, 1);
        if (typeof message === 'function') assert.equal(result.stderr, message());
        else assert.match(result.stderr, message);
        await assertUntouched();
      });
    });

    it('a plan made from another config', async () => {
      const { lab, config, file } = shared;
      const changed = await lab.writeConfig('changed.yaml', (await readFile(config, 'utf8')).replace('latest: 1', 'latest: 2'));
      const result = await cli(['apply', '-c', changed, file], await planEnv(), lab.dir);
      assert.equal(result.code, 1);
      assert.equal(result.stderr, 'regsync: the config changed since this plan was made: run regsync plan again\n');
      await assertUntouched();
    });
  });
});
