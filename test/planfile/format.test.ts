/**
 * The plan file format pinned: what the writer produces from a fixed Plan is compared byte for byte with
 * test/fixtures/planfile/plan-v3.json, and reading that file gives the Plan back. A change to the in-memory
 * model that would change the file (or the `plan --json` contract) fails here until the format is changed on
 * purpose: the version in src/planfile/version.ts, schemas/plan.schema.json and this fixture together.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { PLAN_FORMAT_VERSION, planProblems, readPlanFile, serializePlan } from '../../src/planfile/index.js';
import { compilePlanValidator, planSchemaText, planValidatorSource } from '../../src/planfile/schema.js';
import { renderJson } from '../../src/render/json.js';
import { fixedPlan } from './fixed-plan.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(repo, 'test/fixtures/planfile/plan-v3.json');

describe('the plan file format (formatVersion 3)', () => {
  it('the writer gives test/fixtures/planfile/plan-v3.json byte for byte, and so does plan --json', () => {
    const golden = readFileSync(FIXTURE, 'utf8');
    assert.equal(serializePlan(fixedPlan()), golden);
    assert.equal(renderJson(fixedPlan()), golden);
  });

  it('the fixture is a valid plan file, and reading it gives the fixed Plan back', async () => {
    assert.deepEqual(planProblems(JSON.parse(readFileSync(FIXTURE, 'utf8'))), []);
    assert.deepEqual(await readPlanFile(FIXTURE), JSON.parse(JSON.stringify(fixedPlan())) as unknown);
  });

  it('a field the in-memory model grows does not reach the file', () => {
    const plan = fixedPlan();
    const grown = {
      ...plan,
      referrers: ['sha256:0'],
      changes: plan.changes.map((change) => ({ ...change, notes: 'x', target: { ...change.target, annotations: {} } })),
    };
    assert.equal(serializePlan(grown), readFileSync(FIXTURE, 'utf8'));
  });

  it('the version is written in one place: the writer, the reader and the schema agree', () => {
    assert.equal(PLAN_FORMAT_VERSION, 3);
    const schema = JSON.parse(planSchemaText()) as { properties: { formatVersion: { const: number } } };
    assert.equal(schema.properties.formatVersion.const, PLAN_FORMAT_VERSION);
    assert.ok(serializePlan(fixedPlan()).startsWith(`{\n  "formatVersion": ${PLAN_FORMAT_VERSION},\n`));
  });
});

describe('the plan validator the build precompiles', () => {
  // Inside the repository, so the generated module finds ajv's runtime helpers in node_modules as dist/ does.
  mkdirSync(path.join(repo, '.tmp'), { recursive: true });
  const work = mkdtempSync(path.join(repo, '.tmp', 'plan-validator-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  function loadGenerated(): ValidateFunction & { schemaDigest?: string } {
    const file = path.join(work, 'plan-validator.cjs');
    writeFileSync(file, planValidatorSource());
    return createRequire(file)(file) as ValidateFunction & { schemaDigest?: string };
  }

  it('accepts and rejects exactly as ajv compiled at run time, with the same errors, and names its schema', () => {
    const generated = loadGenerated();
    const runtime = compilePlanValidator();
    const valid = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown> & { changes: Array<Record<string, unknown>> };
    const invalid = structuredClone(valid);
    invalid.extra = true;
    invalid.changes[0]!.action = 'replace';
    (invalid.changes[1]!.target as { digest: string }).digest = 'sha256:abc';
    for (const document of [valid, invalid, {}, null]) {
      assert.equal(generated(document), runtime(document));
      assert.deepEqual(generated.errors ?? null, runtime.errors ?? null);
    }
    assert.ok(runtime(valid));
    assert.ok(!runtime(invalid));
    assert.equal(generated.schemaDigest, createHash('sha256').update(planSchemaText()).digest('hex'));
  });
});
