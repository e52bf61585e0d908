// Part of `npm run build`, after tsc: writes the config schema's validator as ajv standalone code next to the
// compiled schema module, so regsync neither imports ajv nor compiles the schema when it checks a config.
import { writeFileSync } from 'node:fs';
import { URL } from 'node:url';
import { configValidatorSource } from '../dist/config/schema.js';

writeFileSync(new URL('../dist/config/config-validator.cjs', import.meta.url), configValidatorSource());
