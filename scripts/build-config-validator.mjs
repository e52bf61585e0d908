// Part of `npm run build`, after tsc: writes the config schema's and the plan schema's validators as ajv standalone
// code next to their compiled modules, so regsync neither imports ajv nor compiles a schema when it checks a
// config or reads a saved plan.
import { writeFileSync } from 'node:fs';
import { URL } from 'node:url';

// Imported by URL at run time: lint runs before the build, when dist/ does not exist yet.
/** @type {{ configValidatorSource: () => string }} */
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- typed by the JSDoc above
const schemaModule = await import(new URL('../dist/config/schema.js', import.meta.url).href);
/** @type {{ planValidatorSource: () => string }} */
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- typed by the JSDoc above
const planSchemaModule = await import(new URL('../dist/planfile/schema.js', import.meta.url).href);

writeFileSync(new URL('../dist/config/config-validator.cjs', import.meta.url), schemaModule.configValidatorSource());
writeFileSync(new URL('../dist/planfile/plan-validator.cjs', import.meta.url), planSchemaModule.planValidatorSource());
