/**
 * `regsync plan --json` writes the plan text in pieces (issue 17: a plan of thousands of changes is never one
 * string): the pieces are exactly the one-piece text, and none is much longer than a chunk.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toDocument } from '../../src/planfile/document.js';
import { planTextChunks, serializePlan } from '../../src/planfile/write.js';
import type { Plan } from '../../src/plan/types.js';
import { samplePlan } from '../helpers/sample-plan.js';

const whole = (plan: Plan): string => `${JSON.stringify(toDocument(plan), null, 2)}\n`;

test('the pieces of a large plan join to exactly its JSON.stringify text, each about 64 KiB', () => {
  const sample = samplePlan();
  // Thousands of changes (ids made distinct): the text spans many chunks.
  const changes = Array.from({ length: 3000 }, (_, i) => sample.changes.map((change) => ({ ...change, id: `${change.id}#${i}` }))).flat();
  const plan: Plan = { ...sample, changes };
  const chunks = [...planTextChunks(plan)];
  assert.equal(chunks.join(''), whole(plan));
  assert.ok(chunks.length > 10, `${chunks.length} chunks`);
  assert.ok(Math.max(...chunks.map((chunk) => chunk.length)) < 64 * 1024 + 4096);
});

test('a plan with one change, or none, is the same text as JSON.stringify gives', () => {
  const sample = samplePlan();
  for (const changes of [[], sample.changes.slice(0, 1), sample.changes]) {
    const plan: Plan = { ...sample, changes };
    assert.equal(serializePlan(plan), whole(plan));
  }
});
