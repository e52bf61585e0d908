import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readPlanFile, serializePlan, writePlanFile } from '../../src/planfile/index.js';
import type { Plan } from '../../src/plan/types.js';
import { isRegsyncError } from '../../src/util/errors.js';
import { samplePlan } from '../helpers/sample-plan.js';

const dir = mkdtempSync(join(tmpdir(), 'regsync-plan-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function problemsOf(document: unknown): Promise<string[]> {
  const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof document === 'string' ? document : JSON.stringify(document));
  try {
    await readPlanFile(file);
  } catch (error) {
    assert.ok(isRegsyncError(error), `expected a RegsyncError, got ${String(error)}`);
    assert.equal(error.code, 'PLAN_INVALID');
    return [error.message, ...(error.details ?? '').split('\n')];
  }
  assert.fail('readPlanFile accepted an invalid plan');
}

describe('plan file', () => {
  it('round trip: write then read gives an equal plan, and the file is the stable serialisation', async () => {
    const plan = samplePlan();
    const file = join(dir, 'plan.json');
    await writePlanFile(file, plan);
    assert.equal(readFileSync(file, 'utf8'), serializePlan(plan));
    const read = await readPlanFile(file);
    assert.deepEqual(read, JSON.parse(JSON.stringify(plan)) as Plan);
    assert.equal(serializePlan(read), serializePlan(plan));
  });

  it('round trip of a plan with read failures: they are kept, last in the file; a plan without has no failures key', async () => {
    const plan: Plan = {
      ...samplePlan(),
      failures: [
        { mirror: 'apps', host: '127.0.0.1:5000', repository: 'team/app9', error: 'mirror apps: cannot list the tags of ...: HTTP 503' },
      ],
    };
    const file = join(dir, 'plan-failures.json');
    await writePlanFile(file, plan);
    const text = readFileSync(file, 'utf8');
    assert.deepEqual(Object.keys(JSON.parse(text) as object).at(-1), 'failures');
    assert.deepEqual(await readPlanFile(file), JSON.parse(JSON.stringify(plan)) as Plan);
    assert.ok(!serializePlan(samplePlan()).includes('"failures"'));
    assert.match((await problemsOf({ ...JSON.parse(text), failures: [{ mirror: 'apps' }] })).join('\n'), /failures/);
  });

  it('serialises keys in a fixed order whatever order the object has', () => {
    const reverseKeys = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reverseKeys)
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([k, v]) => [k, reverseKeys(v)]),
            )
          : value;
    const plan = samplePlan();
    const reversed = reverseKeys(plan) as Plan;
    assert.notEqual(JSON.stringify(reversed), JSON.stringify(plan));
    assert.equal(serializePlan(reversed), serializePlan(plan));
    assert.ok(serializePlan(plan).startsWith('{\n  "formatVersion": 3,\n  "regsyncVersion": "0.1.0",'));
    assert.ok(serializePlan(plan).endsWith('}\n'));
  });

  it('rejects a plan with every schema problem listed', async () => {
    const plan = JSON.parse(serializePlan(samplePlan())) as Record<string, unknown> & { changes: Array<Record<string, unknown>> };
    plan.changes[0]!.action = 'replace';
    delete plan.changes[1]!.target;
    plan.extra = true;
    const problems = await problemsOf(plan);
    assert.match(problems[0]!, /is not a valid regsync plan \(\d+ problems\)/);
    assert.ok(problems.includes('/changes/0/action: must be one of "create", "update", "delete", "noop"'), problems.join('\n'));
    assert.ok(problems.includes('/changes/1: missing key "target"'), problems.join('\n'));
    assert.ok(problems.includes('the plan: unknown key "extra"'), problems.join('\n'));
  });

  it('rejects an unknown skip filter and a delete with a source', async () => {
    const plan = JSON.parse(serializePlan(samplePlan())) as {
      skipped: Array<Record<string, unknown>>;
      changes: Array<Record<string, unknown>>;
    };
    plan.skipped[0]!.filter = 'age';
    const deleteIndex = plan.changes.findIndex((c) => c.action === 'delete');
    plan.changes[deleteIndex]!.source = plan.changes.find((c) => c.action === 'create')!.source;
    const problems = await problemsOf(plan);
    assert.ok(
      problems.some((p) => p.startsWith('/skipped/0/filter: must be one of')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith(`/changes/${deleteIndex}/source`)),
      problems.join('\n'),
    );
  });

  it('rejects an action with a reason that belongs to another action', async () => {
    const plan = JSON.parse(serializePlan(samplePlan())) as { changes: Array<Record<string, unknown>> };
    const createIndex = plan.changes.findIndex((c) => c.action === 'create');
    plan.changes[createIndex]!.reason = 'up-to-date';
    const problems = await problemsOf(plan);
    assert.ok(problems.includes(`/changes/${createIndex}/reason: must be "missing-in-destination"`), problems.join('\n'));
  });

  it('rejects a plan whose summary or ids do not match its changes', async () => {
    const plan = JSON.parse(serializePlan(samplePlan())) as { summary: { create: number }; changes: Array<{ id: string }> };
    plan.summary.create += 1;
    plan.changes[0]!.id = 'apps:elsewhere';
    const problems = await problemsOf(plan);
    assert.ok(
      problems.some((p) => p.startsWith('/summary/create: is 3 but the plan has 2')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('/changes/0/id: must be')),
      problems.join('\n'),
    );
  });

  it('names another format version before any schema problem', async () => {
    const plan = JSON.parse(serializePlan(samplePlan())) as Record<string, unknown>;
    plan.formatVersion = 1;
    plan.extra = true;
    assert.deepEqual(await problemsOf(plan), ['plan file made by another regsync version (formatVersion 1): run regsync plan again', '']);
    // Not a number: the schema says what it must be.
    plan.formatVersion = '3';
    assert.ok((await problemsOf(plan)).includes('/formatVersion: must be 3'));
  });

  it('the refs a read plan shows are derived from the parts apply reads, never copied from the file', async () => {
    const plan = JSON.parse(serializePlan(samplePlan())) as {
      changes: Array<{ id: string; mirror: string; target: { ref: string; repository: string } }>;
    };
    const change = plan.changes[0]!;
    const shown = change.target.ref;
    change.target.ref = shown.replace(change.target.repository, 'reviewed/elsewhere');
    change.id = `${change.mirror}:${change.target.ref}`;
    const file = join(dir, 'shown.json');
    writeFileSync(file, JSON.stringify(plan));
    assert.equal((await readPlanFile(file)).changes[0]!.target.ref, shown);
  });

  it('rejects text that is not JSON, and a missing file', async () => {
    assert.match((await problemsOf('{"formatVersion": 1,'))[0]!, /is not JSON/);
    await assert.rejects(
      readPlanFile(join(dir, 'nope.json')),
      (error: unknown) => isRegsyncError(error) && error.code === 'PLAN_INVALID' && /does not exist/.test(error.message),
    );
  });
  it('a plan file that cannot be written is a clear error naming the path, not an unexpected error about a temp file', async () => {
    for (const [target, why] of [
      [join(dir, 'no-such-dir', 'plan.json'), /its directory does not exist/],
      [dir, /it is a directory/],
    ] as const) {
      await assert.rejects(writePlanFile(target, samplePlan()), (error: unknown) => {
        assert.ok(isRegsyncError(error), `expected a RegsyncError, got ${String(error)}`);
        assert.equal(error.message.startsWith(`cannot write plan file ${target}: `), true, error.message);
        assert.match(error.message, why);
        assert.doesNotMatch(error.message, /\.tmp/);
        return true;
      });
    }
    assert.equal(
      readdirSync(dirname(dir)).some((name) => name.startsWith(`${basename(dir)}.`) && name.endsWith('.tmp')),
      false,
      'no temp file left behind',
    );
  });
});
