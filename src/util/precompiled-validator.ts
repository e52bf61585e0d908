import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';

/**
 * The JSON Schema validators regsync ships (the config's and the plan file's) are compiled by `npm run build` into
 * ajv standalone code that records the digest of the schema it was made from: a run then neither imports ajv nor
 * compiles the schema, and a validator older than the schema beside it is never used. Each schema module keeps
 * its own ajv (its options); this is the part both share.
 */
const require = createRequire(import.meta.url);

const schemaDigest = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The validator of `schemaText` as a CommonJS module's source, for the build (`ajv` made with `code.source`). */
export function standaloneValidatorSource(ajv: Ajv2020, schemaText: string): string {
  const standalone = (require('ajv/dist/standalone/index.js') as { default: (ajv: Ajv2020, validate: ValidateFunction) => string }).default;
  const code = standalone(ajv, ajv.compile(JSON.parse(schemaText) as Record<string, unknown>));
  return `${code}\nmodule.exports.schemaDigest = ${JSON.stringify(schemaDigest(schemaText))};\n`;
}

/** The build's validator at `url` when it was made from `schemaText`; otherwise null (absent, or stale). */
export function precompiledValidator(url: URL, schemaText: string): ValidateFunction | null {
  const file = fileURLToPath(url);
  if (!existsSync(file)) return null;
  const validator = require(file) as ValidateFunction & { schemaDigest?: string };
  return validator.schemaDigest === schemaDigest(schemaText) ? validator : null;
}
