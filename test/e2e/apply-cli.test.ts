/**
 * `regsync apply` end to end with the registry executor against two REAL Distribution registries: the planner's
 * seeded scenario applied, byte-identical destinations, then `plan` says No changes; --dry-run, --json, no TTY.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Plan } from '../../src/plan/types.js';
import { rawManifest } from '../harness/images.js';
import { assertByteIdentical, copiesOf, parseApplyResult, startApplyLab, statuses } from './apply-fixture.js';
import { cli, planEnv } from './plan-fixture.js';
import type { Lab } from './plan-fixture.js';

const lastLine = (text: string): string => text.trimEnd().split('\n').pop() ?? '';

describe('regsync apply (computed plan, registry executor)', () => {
  let lab: Lab;
  let config: string;
  let plan: Plan;
  before(async () => {
    ({ lab, config } = await startApplyLab());
    const planned = await cli(['plan', '-c', config, '--json'], await planEnv(), lab.dir);
    assert.equal(planned.code, 0, planned.stderr);
    plan = JSON.parse(planned.stdout) as Plan;
  });
  after(() => lab?.stop());

  it('without a terminal and without --yes: refuses, saying so, and changes nothing', async () => {
    const result = await cli(['apply', '-c', config], await planEnv(), lab.dir);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /Plan: 6 to create, 2 to update, 1 to delete/);
    assert.match(result.stderr, /stdin is not a terminal; pass --yes \(or --auto-approve\)/);
    assert.equal(await rawManifest(lab.destination, 'mirror/app1', 'v1.2.0'), null);
  });

  it('--dry-run (and SYNC_DRYRUN=1) prints the plan and the exact operations, changes nothing, exits 0', async () => {
    for (const [args, env] of [
      [['-n'], {}],
      [[], { SYNC_DRYRUN: '1' }],
    ] as const) {
      const result = await cli(['apply', '-c', config, ...args], await planEnv(env), lab.dir);
      assert.equal(result.code, 0, result.stderr);
      const v120 = plan.changes.find((change) => change.target.tag === 'v1.2.0')!;
      assert.ok(
        result.stdout.includes(
          `copy ${lab.source.host}/team/app1@${v120.source!.digest} → ${lab.destination.host}/mirror/app1:v1.2.0 (whole image, byte for byte)`,
        ),
        result.stdout,
      );
      const old = plan.changes.find((change) => change.action === 'delete')!;
      assert.ok(result.stdout.includes(`delete ${lab.destination.host}/mirror/app1@${old.target.digest}`), result.stdout);
      assert.equal(lastLine(result.stdout), 'Dry run: nothing was changed.');
      assert.equal(await rawManifest(lab.destination, 'mirror/app1', 'v1.2.0'), null);
      assert.notEqual(await rawManifest(lab.destination, 'mirror/app1', 'old'), null);
    }
  });

  it('--yes --json applies every change, the result validates, destinations are byte-identical, plan says No changes.', async () => {
    const result = await cli(['apply', '-c', config, '--yes', '--json'], await planEnv(), lab.dir);
    assert.equal(result.code, 0, result.stderr);
    const applied = parseApplyResult(result.stdout);
    const actionable = plan.changes.filter((change) => change.action !== 'noop');
    assert.deepEqual(statuses(applied), Object.fromEntries(actionable.map((change) => [change.id, 'done'])));
    assert.deepEqual(applied.summary, { created: 6, updated: 2, deleted: 1, failed: 0, present: 0, stale: 0, skipped: 0 });
    assert.equal(lastLine(result.stderr), 'Apply complete: 6 created, 2 updated, 1 deleted, 0 failed.');
    assert.ok(applied.changes.some((change) => change.bytes > 0));

    for (const [targetRepository, tag, sourceRepository] of copiesOf(plan)) {
      await assertByteIdentical(lab.source, sourceRepository, lab.destination, targetRepository, tag);
    }
    // The two-platform index and the index with an attestation child are among them.
    const attested = await rawManifest(lab.destination, 'mirror/app2', 'v2.2.0');
    assert.equal((JSON.parse(attested!.bytes.toString()) as { manifests: unknown[] }).manifests.length, 3);
    assert.equal(await rawManifest(lab.destination, 'mirror/app1', 'old'), null);
    // A tag sharing the deleted tag's digest? None: the kept `stale` tag still stands.
    assert.notEqual(await rawManifest(lab.destination, 'mirror/app1', 'stale'), null);

    const again = await cli(['plan', '-c', config], await planEnv(), lab.dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /No changes\./);
    const noop = await cli(['apply', '-c', config], await planEnv(), lab.dir);
    assert.equal(noop.code, 0, noop.stderr);
    assert.match(lastLine(noop.stdout), /^No changes\./);
  });
});
