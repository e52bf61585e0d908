import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findCycles, importGraph } from './import-graph.js';

// import-x/no-cycle skips `import type`, so a cycle made only of type imports passes lint: this test sees it.
const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

test('src/ has no import cycle, type-only imports included', () => {
  const cycles = findCycles(importGraph(src)).map((cycle) => cycle.join(' → '));
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join('\n')}`);
});

test('the graph holds type-only imports and resolves .js specifiers to .ts files', () => {
  const graph = importGraph(src);
  // registry/types.ts imports the OCI value types with `import type` only.
  assert.ok(graph.get('registry/types.ts')?.includes('oci/index.ts'), 'registry/types.ts → oci/index.ts');
  assert.ok(graph.get('oci/index.ts')?.includes('oci/types.ts'), 'export … from counts as an import');
});

test('findCycles names a cycle through three modules, and one per tangle', () => {
  const graph = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts', 'd.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', []],
    ['e.ts', ['f.ts']],
    ['f.ts', ['e.ts']],
  ]);
  assert.deepEqual(findCycles(graph), [
    ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
    ['e.ts', 'f.ts', 'e.ts'],
  ]);
});

test('findCycles finds a module importing itself, and nothing in a graph without cycles', () => {
  assert.deepEqual(findCycles(new Map([['a.ts', ['a.ts']]])), [['a.ts', 'a.ts']]);
  const acyclic = new Map([
    ['a.ts', ['b.ts', 'c.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', []],
  ]);
  assert.deepEqual(findCycles(acyclic), []);
});
