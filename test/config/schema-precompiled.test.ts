import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { compileConfigValidator, configValidatorSource } from '../../src/config/schema.js';

// `npm run build` writes the config validator as ajv standalone code (start-up, issue 9); the CLI from dist/
// uses it instead of compiling the schema. It must report exactly what the runtime-compiled validator reports.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Inside the repository, so the generated module finds ajv's runtime helpers in node_modules as dist/ does.
mkdirSync(path.join(repo, '.tmp'), { recursive: true });
const work = mkdtempSync(path.join(repo, '.tmp', 'validator-'));
after(() => rmSync(work, { recursive: true, force: true }));

function loadGenerated(): ValidateFunction & { schemaDigest?: string } {
  const file = path.join(work, 'config-validator.cjs');
  writeFileSync(file, configValidatorSource());
  return createRequire(file)(file) as ValidateFunction & { schemaDigest?: string };
}

const examples = readdirSync(path.join(repo, 'examples')).map((dir) => ({
  name: `examples/${dir}/regsync.yaml`,
  document: parse(readFileSync(path.join(repo, 'examples', dir, 'regsync.yaml'), 'utf8')) as unknown,
}));

const invalid: Array<{ name: string; document: unknown }> = [
  { name: 'empty object', document: {} },
  { name: 'wrong version and a misspelt key', document: { version: 2, mirrors: [{ name: 'a', sourc: '127.0.0.1:5000' }] } },
  {
    name: 'bad registry key and settings',
    document: { version: 1, registries: { 'not a host!': { tls: 'maybe', maxConcurrency: 0 } }, mirrors: [] },
  },
  {
    name: 'wrong types everywhere',
    document: { version: 1, defaults: { executor: 'podman', removalQueue: -1 }, mirrors: [{ name: 3, source: [], tags: { maxAge: 5 } }] },
  },
];

test('the generated validator accepts and rejects exactly as ajv compiled at runtime, with the same errors', () => {
  const generated = loadGenerated();
  const runtime = compileConfigValidator();
  for (const { name, document } of [...examples, ...invalid]) {
    const valid = runtime(document);
    assert.equal(generated(document), valid, name);
    assert.deepEqual(generated.errors ?? null, runtime.errors ?? null, name);
  }
  // The cases above really exercise both outcomes.
  assert.ok(examples.every(({ document }) => runtime(document)));
  assert.ok(invalid.every(({ document }) => !runtime(document)));
});

test('the generated validator names the schema it was made from, so a stale one is never used', () => {
  const schemaText = readFileSync(path.join(repo, 'schemas/regsync.schema.json'), 'utf8');
  assert.equal(loadGenerated().schemaDigest, createHash('sha256').update(schemaText).digest('hex'));
});
