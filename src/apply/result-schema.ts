import { readFileSync } from 'node:fs';
import { packageFile } from '../package-files.js';

const SCHEMA_URL = packageFile('schemas/apply-result.schema.json');

/** The apply result's schema (schemas/apply-result.schema.json), printed by `regsync schema apply-result`. */
export function applyResultSchemaText(): string {
  return readFileSync(SCHEMA_URL, 'utf8');
}
