// Part of `npm run build`, after tsc: writes the config schema's validator as ajv standalone code next to the
// compiled schema module, so regsync neither imports ajv nor compiles the schema when it checks a config.
import { writeFileSync } from 'node:fs';
import { URL } from 'node:url';

// Imported by URL at run time: lint runs before the build, when dist/ does not exist yet.
/** @type {{ configValidatorSource: () => string }} */
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- typed by the JSDoc above
const schemaModule = await import(new URL('../dist/config/schema.js', import.meta.url).href);

writeFileSync(new URL('../dist/config/config-validator.cjs', import.meta.url), schemaModule.configValidatorSource());
