import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../../src/config/schema.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Node = Record<string, unknown>;

/** Every subschema with its JSON pointer inside the schema document. */
function walk(node: unknown, at: string, visit: (node: Node, at: string) => void): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${at}/${i}`, visit));
  visit(node as Node, at);
  for (const [key, child] of Object.entries(node)) walk(child, `${at}/${key}`, visit);
}

test('the schema is draft 2020-12 with an $id', () => {
  const schema = configSchema();
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(typeof schema.$id, 'string');
});

test('every property has a description and every object schema forbids unknown keys', () => {
  const missingDescription: string[] = [];
  const open: string[] = [];
  walk(configSchema(), '#', (node, at) => {
    const properties = node.properties as Record<string, Node> | undefined;
    if (properties !== undefined) {
      for (const [name, child] of Object.entries(properties))
        if (typeof child.description !== 'string') missingDescription.push(`${at}/properties/${name}`);
      if (node.additionalProperties !== false) open.push(at);
    }
    if (node.type === 'object' && properties === undefined && node.additionalProperties === undefined) open.push(at);
  });
  assert.deepEqual(missingDescription, []);
  assert.deepEqual(open, []);
});

test('the quickstart example points editors at the schema', () => {
  const text = readFileSync(path.join(repo, 'examples/quickstart/regsync.yaml'), 'utf8');
  assert.match(text.split('\n')[0] ?? '', /^# yaml-language-server: \$schema=\.\.\/\.\.\/schemas\/regsync\.schema\.json$/);
});
