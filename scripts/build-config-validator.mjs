// Part of `npm run build`, after the bundle (scripts/build.mjs), run through tsx: writes the config schema's and
// the plan schema's validators as ajv standalone code into dist/config/ and dist/planfile/ (where
// src/package-files.ts's codeFile finds them), so regsync neither imports ajv nor compiles a schema when it checks
// a config or reads a saved plan.
import { mkdirSync, writeFileSync } from 'node:fs';
import { URL } from 'node:url';

// Imported by URL: this file is plain JavaScript, the schema modules TypeScript that tsx compiles.
/** @type {{ configValidatorSource: () => string }} */
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- typed by the JSDoc above
const schemaModule = await import(new URL('../src/config/schema.ts', import.meta.url).href);
/** @type {{ planValidatorSource: () => string }} */
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- typed by the JSDoc above
const planSchemaModule = await import(new URL('../src/planfile/schema.ts', import.meta.url).href);

for (const dir of ['config', 'planfile']) mkdirSync(new URL(`../dist/${dir}`, import.meta.url), { recursive: true });
writeFileSync(new URL('../dist/config/config-validator.cjs', import.meta.url), schemaModule.configValidatorSource());
writeFileSync(new URL('../dist/planfile/plan-validator.cjs', import.meta.url), planSchemaModule.planValidatorSource());
