import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { summarize } from './summary.js';
import type { Plan } from './types.js';

const SCHEMA_URL = new URL('../../schemas/plan.schema.json', import.meta.url);

let validator: ValidateFunction | null = null;

/** The plan schema's exact text (schemas/plan.schema.json), printed by `regsync schema plan`. */
export function planSchemaText(): string {
  return readFileSync(SCHEMA_URL, 'utf8');
}

function compiled(): ValidateFunction {
  if (validator === null) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    validator = ajv.compile(JSON.parse(planSchemaText()) as Record<string, unknown>);
  }
  return validator;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'the plan' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `${where}: unknown key "${String(params.additionalProperty)}"`;
  if (error.keyword === 'required') return `${where}: missing key "${String(params.missingProperty)}"`;
  if (error.keyword === 'enum')
    return `${where}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (error.keyword === 'const') return `${where}: must be ${JSON.stringify(params.allowedValue)}`;
  return `${where}: ${error.message ?? 'is invalid'}`;
}

/** Consistency the schema cannot say: ids, unique targets, a summary that matches the changes. */
function semanticProblems(plan: Plan): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  plan.changes.forEach((change, i) => {
    if (change.id !== `${change.mirror}:${change.target.ref}`)
      problems.push(`/changes/${i}/id: must be "${change.mirror}:${change.target.ref}"`);
    if (seen.has(change.id)) problems.push(`/changes/${i}/id: ${change.id} appears twice`);
    seen.add(change.id);
    // A destination tag kept because a kept tag shares its digest (prune) has no source either.
    const sourceless = change.action === 'delete' || change.reason === 'digest-shared-with-kept-tag';
    if (!sourceless && change.source === null)
      problems.push(`/changes/${i}/source: only a delete or a noop digest-shared-with-kept-tag has no source`);
  });
  if (plan.shard !== undefined && plan.shard.index >= plan.shard.count)
    problems.push(`/shard/index: is ${plan.shard.index} but must be below count ${plan.shard.count}`);
  const expected = summarize(plan);
  for (const key of ['create', 'update', 'delete', 'noop', 'skipped'] as const) {
    if (plan.summary[key] !== expected[key]) problems.push(`/summary/${key}: is ${plan.summary[key]} but the plan has ${expected[key]}`);
  }
  return problems;
}

/** Every problem of a parsed plan document: schema first; semantic checks only on a schema-valid plan. */
export function planProblems(document: unknown): string[] {
  const validate = compiled();
  if (!validate(document)) {
    const problems = (validate.errors ?? []).filter((e) => e.keyword !== 'if' && e.keyword !== 'oneOf').map(describe);
    return [...new Set(problems.length > 0 ? problems : ['the plan does not match schemas/plan.schema.json'])];
  }
  return semanticProblems(document as Plan);
}
