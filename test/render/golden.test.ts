import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { serializePlan } from '../../src/planfile/index.js';
import type { Plan } from '../../src/plan/types.js';
import { renderHuman } from '../../src/render/human.js';
import { renderJson } from '../../src/render/json.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { inventoryFor, mirrorConfig, planOf } from '../helpers/inventory-builder.js';
import { samplePlan } from '../helpers/sample-plan.js';

const GOLDEN = new URL('../fixtures/golden/', import.meta.url);

/** Compares with test/fixtures/golden/NAME; UPDATE_GOLDEN=1 rewrites the file instead. */
function golden(name: string, actual: string): void {
  const file = new URL(name, GOLDEN);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `golden file ${file.pathname} is missing: run with UPDATE_GOLDEN=1 and review it`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it after review)`);
}

const off = { color: false, showUnchanged: false, showSkipped: false };

function upToDatePlan(): Plan {
  const mirror = mirrorConfig();
  const inventory = inventoryFor(mirror)
    .source('app1', (r) => r.image('v1', 'one', '2024-01-01T00:00:00Z'))
    .destination('mirror/app1', (r) => r.image('v1', 'one'))
    .build();
  return planOf([mirror], [inventory]).plan;
}

describe('golden renderings of a fixed plan (colour off)', () => {
  const plan = samplePlan();
  it('human', () => golden('plan-human.txt', renderHuman(plan, off)));
  it('human --show-unchanged --show-skipped', () =>
    golden('plan-human-all.txt', renderHuman(plan, { ...off, showUnchanged: true, showSkipped: true })));
  it('human, nothing to do', () => golden('plan-human-no-changes.txt', renderHuman(upToDatePlan(), off)));
  it('markdown', () => golden('plan.md', renderMarkdown(plan, off)));
  it('markdown --show-unchanged', () => golden('plan-all.md', renderMarkdown(plan, { ...off, showUnchanged: true })));
  it('json', () => golden('plan.json', renderJson(plan)));
});

describe('renderHuman rules', () => {
  const plan = samplePlan();

  it('ends with the exact footer', () => {
    assert.match(renderHuman(plan, off), /\nPlan: 2 to create, 1 to update, 1 to delete, 4 unchanged\.\n$/);
    assert.match(renderHuman(upToDatePlan(), off), /\nNo changes\. The destination is up to date\.\n$/);
  });

  it('the legend lists only the symbols used', () => {
    const onlyCreates = { ...plan, changes: plan.changes.filter((c) => c.action === 'create') };
    const text = renderHuman(onlyCreates, off);
    assert.match(text, /^ {2}\+ create$/m);
    assert.doesNotMatch(text, /^ {2}~ update$/m);
    assert.doesNotMatch(text, /^ {2}- delete$/m);
    assert.doesNotMatch(renderHuman(upToDatePlan(), off), /symbols/);
  });

  it('colour only when asked', () => {
    // eslint-disable-next-line no-control-regex
    const ansi = /\u001b\[/;
    assert.doesNotMatch(renderHuman(plan, off), ansi);
    assert.match(renderHuman(plan, { ...off, color: true }), ansi);
  });

  it('lists unchanged and skipped tags only when asked', () => {
    const quiet = renderHuman(plan, off);
    const full = renderHuman(plan, { ...off, showUnchanged: true, showSkipped: true });
    assert.doesNotMatch(quiet, /mirror\/app1:v1\.0\.2/);
    assert.match(full, /unchanged 127\.0\.0\.1:5001\/mirror\/app1:v1\.0\.2 /);
    assert.doesNotMatch(quiet, /0\.9\.0 does not satisfy/);
    assert.match(quiet, /Skipped 3: 1 exclude, 2 semver/);
    assert.match(full, /127\.0\.0\.1:5000\/team\/app1:v0\.9 {2}semver: 0\.9\.0 does not satisfy >=1\.0\.0/);
  });

  it('renderJson is the plan file text', () => {
    assert.equal(renderJson(plan), serializePlan(plan));
  });
});
