import { readFileSync } from 'node:fs';

const SCHEMA_URL = new URL('../../schemas/apply-result.schema.json', import.meta.url);

/** The apply result's schema (schemas/apply-result.schema.json), printed by `regsync schema apply-result`. */
export function applyResultSchemaText(): string {
  return readFileSync(SCHEMA_URL, 'utf8');
}
