// Regenerates docs/config.md from schemas/regsync.schema.json: npm run docs (add --check to only compare).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigDocs } from './config-docs.js';
import type { SchemaNode } from './config-docs.js';

const schemaFile = fileURLToPath(new URL('../schemas/regsync.schema.json', import.meta.url));
const docsFile = fileURLToPath(new URL('../docs/config.md', import.meta.url));

const expected = renderConfigDocs(JSON.parse(readFileSync(schemaFile, 'utf8')) as SchemaNode);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(docsFile, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== expected) {
    console.error('docs/config.md is stale: run npm run docs');
    process.exit(1);
  }
  console.log('docs/config.md is current');
} else {
  writeFileSync(docsFile, expected);
  console.log(`wrote ${docsFile}`);
}
