import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { isOcidirEndpoint } from '../oci/index.js';
import { endpointCredentials, taggedLocationMessage } from './endpoint.js';
import { closest } from './problems.js';
import type { DocPath, Problem } from './problems.js';
import { codeFile, packageFile } from '../package-files.js';
import { precompiledValidator, standaloneValidatorSource } from '../util/precompiled-validator.js';

const SCHEMA_URL = packageFile('schemas/regsync.schema.json');
/**
 * The validator as standalone code, written under dist/config/ by `npm run build`
 * (scripts/build-config-validator.mjs): loading it costs a few ms, where importing ajv and compiling the schema
 * was most of `regsync validate`'s start-up. Absent when running from src/ (tests): then ajv compiles at runtime.
 */
const PRECOMPILED_URL = codeFile('config/config-validator.cjs');
// ajv and the precompiled validator are CommonJS, loaded synchronously and only when a config is checked.
const require = createRequire(import.meta.url);

/** The ajv options of the config validator, at runtime and at build time alike. */
const AJV_OPTIONS: Options = { allErrors: true, verbose: true, allowUnionTypes: true, strict: true };

let cached: ValidateFunction | null = null;

/** The JSON Schema of the config file, as shipped in schemas/regsync.schema.json. */
export function configSchema(): Record<string, unknown> {
  return JSON.parse(configSchemaText()) as Record<string, unknown>;
}

/** The schema file's exact text, for `regsync schema`. */
export function configSchemaText(): string {
  return readFileSync(SCHEMA_URL, 'utf8');
}

function newAjv(extra: Options = {}): Ajv2020 {
  const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 };
  const addFormats = require('ajv-formats') as (ajv: Ajv2020) => Ajv2020;
  // verbose: errors carry parentSchema, which lists the allowed keys for "did you mean" suggestions.
  const ajv = new Ajv({ ...AJV_OPTIONS, ...extra });
  addFormats(ajv);
  return ajv;
}

/** The config validator compiled now by ajv (what the build's standalone code is checked against). */
export function compileConfigValidator(): ValidateFunction {
  return newAjv().compile(configSchema());
}

/**
 * The config validator as a CommonJS module's source (ajv standalone code), for the build. It records the
 * digest of the schema it was made from, so a validator older than the schema beside it is never used.
 */
export function configValidatorSource(): string {
  return standaloneValidatorSource(newAjv({ code: { source: true } }), configSchemaText());
}

function compiled(): ValidateFunction {
  cached ??= precompiledValidator(PRECOMPILED_URL, configSchemaText()) ?? compileConfigValidator();
  return cached;
}

/** Validates the expanded document against the schema; every error becomes one friendly problem. */
export function schemaProblems(value: unknown): Problem[] {
  const validate = compiled();
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  const problems: Problem[] = [];
  for (const error of errors) {
    // propertyNames reports twice (the inner pattern at the object, then propertyNames itself): keep the latter.
    if (error.keyword === 'pattern' && error.schemaPath.includes('/$defs/host/')) continue;
    problems.push(toProblem(error));
  }
  return problems;
}

function pathOf(instancePath: string): DocPath {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function toProblem(error: ErrorObject): Problem {
  const path = pathOf(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      if (path.length === 1 && path[0] === 'defaults' && ['name', 'source', 'destination'].includes(key)) {
        return { path: [...path, key], at: 'key', message: `"${key}" cannot be a default: set it on each mirror` };
      }
      const allowed = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      const guess = closest(key, allowed);
      const hint = guess !== null ? ` (did you mean "${guess}"?)` : allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
      return { path: [...path, key], at: 'key', message: `unknown key "${key}"${hint}` };
    }
    case 'required': {
      const key = String(params.missingProperty);
      return { path: [...path, key], message: `missing required key "${key}"` };
    }
    case 'propertyNames': {
      const key = String(params.propertyName);
      const credentials = endpointCredentials(key);
      if (credentials !== null) {
        return { path: [...path, key], at: 'key', message: credentialsMessage('a registries key', credentials.host, credentials.host) };
      }
      return { path: [...path, key], at: 'key', message: `"${key}" is not a registry host (write host[:port], e.g. 127.0.0.1:5000)` };
    }
    case 'type': {
      // `defaults:` with every line under it commented out is null: say how to get out of that.
      // `prune: yes` is the string "yes" in YAML 1.2: say which words are booleans.
      const fix = error.data === null ? ': give it a value or remove the key' : params.type === 'boolean' ? ' (write true or false)' : '';
      return { path, message: `expected ${describeType(params.type)}, got ${describeValue(error.data)}${fix}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { path, message: `${JSON.stringify(error.data)} is not allowed (expected one of ${allowed})` };
    }
    case 'const':
      return { path, message: `${JSON.stringify(error.data)} is not supported (expected ${JSON.stringify(params.allowedValue)})` };
    case 'minItems':
      return { path, message: minItemsMessage(path, Number(params.limit)) };
    case 'minLength':
      return { path, message: 'must not be empty' };
    case 'minimum':
      return { path, message: `must be at least ${String(params.limit)}, got ${JSON.stringify(error.data)}` };
    case 'pattern':
      return { path, message: patternMessage(path, String(error.data)) };
    default:
      return { path, message: error.message ?? 'is invalid' };
  }
}

function minItemsMessage(path: DocPath, limit: number): string {
  if (path.length === 1 && path[0] === 'mirrors') return 'at least one mirror is required';
  // An empty list would mirror nothing without a word, while leaving the key out lists the catalog.
  if (path[path.length - 1] === 'names')
    return 'an empty names list mirrors nothing: list repositories, or remove names to mirror the whole source catalog';
  return `must not be empty (at least ${String(limit)} item)`;
}

function patternMessage(path: DocPath, value: string): string {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (last === 'name')
    return `"${value}" is not a valid mirror name (use lower-case letters, digits, ".", "_" and "-", starting with a letter or digit)`;
  if (last === 'source' || last === 'destination') {
    // Never echo the value: it holds a password.
    const credentials = endpointCredentials(value);
    if (credentials !== null) return credentialsMessage(String(last), credentials.host, credentials.withoutCredentials);
    const tagged = taggedLocationMessage(String(last), value);
    if (tagged !== null) return tagged;
    const lowercase = lowercasePath(value);
    if (lowercase !== null) return `"${value}" is not a registry location: repository names are lowercase: write ${lowercase}`;
    return `"${value}" is not a registry location (write host[:port][/prefix], e.g. 127.0.0.1:5000/team, or ocidir://PATH)`;
  }
  if (parent === 'platforms') return `"${value}" is not a platform (write os/arch[/variant], e.g. linux/amd64 or linux/arm/v7)`;
  if (last === 'rename') {
    const bad = /\\(?![1-5])(.?)/.exec(value);
    const token = bad === null ? '\\' : `\\${bad[1] ?? ''}`;
    return `"${value}" uses ${token}, but a rename template may only use \\1 to \\5 (the /-separated parts of the source path)`;
  }
  return `"${value}" does not have the expected form`;
}

/**
 * `127.0.0.1:5000/Team/App` → `127.0.0.1:5000/team/app` when only the case of its path makes a location invalid
 * (OCI repository names are lowercase; the host keeps its case), else null.
 */
function lowercasePath(value: string): string | null {
  const slash = value.indexOf('/');
  if (isOcidirEndpoint(value) || slash === -1) return null;
  const lowered = value.slice(0, slash) + value.slice(slash).toLowerCase();
  if (lowered === value) return null;
  const endpoint = (configSchema().$defs as Record<string, { pattern?: string }> | undefined)?.endpoint?.pattern;
  return endpoint !== undefined && new RegExp(endpoint, 'u').test(lowered) ? lowered : null;
}

/** Where credentials go instead; the message never contains them. */
function credentialsMessage(where: string, host: string, written: string): string {
  return `credentials do not belong in ${where}: write ${written} and put them under registries."${host}".username/password (with \${VAR} to read them from the environment)`;
}

function describeType(type: unknown): string {
  const names = Array.isArray(type) ? type.map(String) : String(type).split(',');
  const words = names.map((name) =>
    name === 'object' ? 'a mapping' : name === 'array' ? 'a list' : name === 'integer' ? 'an integer' : `a ${name}`,
  );
  return words.join(' or ');
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // Never the value itself: a mistyped password must not end up in an error message.
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return typeof value === 'boolean' ? 'a boolean' : 'a string';
}
