import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { codeFile, packageFile } from '../package-files.js';
import { precompiledValidator, standaloneValidatorSource } from '../util/precompiled-validator.js';

const SCHEMA_URL = packageFile('schemas/plan.schema.json');
/**
 * The validator as ajv standalone code, written under dist/planfile/ by `npm run build`
 * (scripts/build-config-validator.mjs), as the config's is: `apply PLAN.json` then neither imports ajv nor compiles
 * the schema. Absent when running from src/ (tests): then ajv compiles it at run time.
 */
const PRECOMPILED_URL = codeFile('planfile/plan-validator.cjs');
const require = createRequire(import.meta.url);
const AJV_OPTIONS: Options = { allErrors: true, strict: true, allowUnionTypes: true };

let cached: ValidateFunction | null = null;

/** The plan schema's exact text (schemas/plan.schema.json), printed by `regsync schema plan`. */
export function planSchemaText(): string {
  return readFileSync(SCHEMA_URL, 'utf8');
}

function newAjv(extra: Options = {}): Ajv2020 {
  const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 };
  const addFormats = require('ajv-formats') as (ajv: Ajv2020) => Ajv2020;
  const ajv = new Ajv({ ...AJV_OPTIONS, ...extra });
  addFormats(ajv);
  return ajv;
}

/** The plan validator compiled now by ajv (what the build's standalone code is checked against). */
export function compilePlanValidator(): ValidateFunction {
  return newAjv().compile(JSON.parse(planSchemaText()) as Record<string, unknown>);
}

/** The plan validator as a CommonJS module's source, recording the digest of the schema it was made from. */
export function planValidatorSource(): string {
  return standaloneValidatorSource(newAjv({ code: { source: true } }), planSchemaText());
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

/** Every way a parsed document fails schemas/plan.schema.json, one line each; empty when it passes. */
export function schemaProblems(document: unknown): string[] {
  cached ??= precompiledValidator(PRECOMPILED_URL, planSchemaText()) ?? compilePlanValidator();
  const validate = cached;
  if (validate(document)) return [];
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if' && e.keyword !== 'oneOf');
  // "X or null" fields: when the value is an X with a problem inside, "must be null" (the other branch) is noise.
  const nullBranch = (e: ErrorObject) =>
    e.keyword === 'type' &&
    (e.params as { type?: unknown }).type === 'null' &&
    errors.some((other) => other !== e && other.instancePath.startsWith(`${e.instancePath}/`));
  const problems = errors.filter((e) => !nullBranch(e)).map(describe);
  return [...new Set(problems.length > 0 ? problems : ['the plan does not match schemas/plan.schema.json'])];
}
