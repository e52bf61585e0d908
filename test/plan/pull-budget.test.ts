/**
 * The pull budget in the plan (issue 9 item 5): manifest GETs apply needs per source host, estimated from the
 * plan's changes and the source facts, beside what the host said remains; shown under the footer and in the JSON.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planProblems, serializePlan } from '../../src/planfile/index.js';
import type { HostRateLimit, Plan, PlanRateLimit } from '../../src/plan/types.js';
import { renderHuman } from '../../src/render/human.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { pullBudgetLines } from '../../src/render/pull-budget.js';
import { formatSeconds } from '../../src/util/duration.js';
import { inventoryFor, mirrorConfig, planOf } from '../helpers/inventory-builder.js';
import type { IndexSpec } from '../helpers/inventory-builder.js';

const SOURCE = '127.0.0.1:5000';
const HUB: HostRateLimit = { limit: 100, remaining: 76, windowSeconds: 21600 };
/** Three platforms, one with its attestation (an index as buildx pushes it). */
const buildx: IndexSpec = {
  content: 'buildx',
  children: [
    { content: 'amd', platform: 'linux/amd64' },
    { content: 'att-amd', platform: 'unknown/unknown', describes: 'amd' },
    { content: 'arm', platform: 'linux/arm64' },
    { content: 'arm7', platform: 'linux/arm/v7' },
  ],
};

/** Two plain images and a buildx index to create, one image up to date: the noop pulls nothing. */
function budgetPlan(overrides: Parameters<typeof mirrorConfig>[0] = {}, limits: Record<string, HostRateLimit> = { [SOURCE]: HUB }): Plan {
  const mirror = mirrorConfig(overrides);
  const inventory = inventoryFor(mirror)
    .source('app1', (r) => r.image('v1', 'one').image('v2', 'two').image('v3', 'three').index('multi', buildx))
    .destination('mirror/app1', (r) => r.image('v3', 'three'))
    .build();
  const { plan, problems } = planOf([mirror], [inventory], { rateLimits: limits });
  assert.deepEqual(problems, []);
  return plan;
}

describe('manifest pulls apply needs, per source host', () => {
  it('registry executor: 1 per image, 1 + every child for an index copied whole (attestations included)', () => {
    const plan = budgetPlan();
    assert.deepEqual(plan.stats.rateLimits, { [SOURCE]: { ...HUB, needed: 2 + (1 + 4) } });
  });

  it('registry executor with platforms: 1 + the children kept (the platform and its attestation)', () => {
    const plan = budgetPlan({ platforms: ['linux/amd64'] });
    assert.deepEqual(plan.stats.rateLimits?.[SOURCE]?.needed, 2 + (1 + 2));
  });

  it('docker executor: docker pull of an index fetches the index and one platform manifest', () => {
    const plan = budgetPlan({ executor: 'docker' });
    assert.deepEqual(plan.stats.rateLimits?.[SOURCE]?.needed, 2 + 2);
  });

  it('a host that sent headers but is no source needs nothing; no headers at all leave stats as they were', () => {
    const plan = budgetPlan({}, { [SOURCE]: HUB, '127.0.0.1:5001': { limit: null, remaining: 9, windowSeconds: null } });
    assert.deepEqual(plan.stats.rateLimits?.['127.0.0.1:5001'], { limit: null, remaining: 9, windowSeconds: null, needed: 0 });
    const none = budgetPlan({}, {});
    assert.deepEqual(none.stats, { requests: 31, durationMs: 412 });
    assert.ok(!serializePlan(none).includes('rateLimits'));
  });

  it('the plan JSON carries stats.rateLimits in key order and matches the plan schema', () => {
    const plan = budgetPlan();
    const json = JSON.parse(serializePlan(plan)) as { stats: { rateLimits: Record<string, PlanRateLimit> } };
    assert.deepEqual(Object.keys(json.stats.rateLimits[SOURCE]!), ['limit', 'remaining', 'windowSeconds', 'needed']);
    assert.deepEqual(planProblems(json), []);
    const unknown = budgetPlan({}, { [SOURCE]: { limit: null, remaining: 3, windowSeconds: null } });
    assert.deepEqual(planProblems(JSON.parse(serializePlan(unknown))), []);
    const bad = structuredClone(json);
    (bad.stats.rateLimits[SOURCE] as unknown as Record<string, unknown>).needed = -1;
    assert.notDeepEqual(planProblems(bad), []);
  });
});

describe('the footer: needed against what remains, a warning when it will not fit', () => {
  const off = { color: false, showUnchanged: false, showSkipped: false };

  it('says per host how many pulls apply needs and how many remain in the window', () => {
    const text = renderHuman(budgetPlan(), off);
    const tail = text.trimEnd().split('\n').slice(-2);
    assert.deepEqual(tail, [
      'Plan: 3 to create, 0 to update, 0 to delete, 1 unchanged.',
      `${SOURCE}: apply needs about 7 manifest pulls; 76 of 100 remain in this 6h window`,
    ]);
    assert.match(
      renderMarkdown(budgetPlan(), off),
      /- 127\.0\.0\.1:5000: apply needs about 7 manifest pulls; 76 of 100 remain in this 6h window\n/,
    );
  });

  it('warns when apply needs more than remains (human and markdown)', () => {
    const plan = budgetPlan({}, { [SOURCE]: { limit: 100, remaining: 5, windowSeconds: 21600 } });
    const [budget] = pullBudgetLines(plan);
    assert.equal(budget?.line, `${SOURCE}: apply needs about 7 manifest pulls; 5 of 100 remain in this 6h window`);
    assert.match(
      budget?.warning ?? '',
      /^127\.0\.0\.1:5000: apply needs about 7 manifest pulls but only 5 remain: .*rate limit reached.*after the 6h window resets/,
    );
    assert.ok(
      renderHuman(plan, off)
        .trimEnd()
        .endsWith(`! ${budget?.warning ?? ''}`),
    );
    assert.ok(renderMarkdown(plan, off).includes(`> **Warning:** ${budget?.warning ?? ''}`));
    assert.equal(pullBudgetLines(budgetPlan({}, { [SOURCE]: { ...HUB, remaining: 7 } }))[0]?.warning, null, 'exactly enough fits');
  });

  it('one pull needed: the warning says "about 1 manifest pull"', () => {
    const plan = budgetPlan();
    const one = {
      ...plan,
      stats: { ...plan.stats, rateLimits: { [SOURCE]: { limit: 100, remaining: 0, windowSeconds: 21600, needed: 1 } } },
    };
    assert.match(pullBudgetLines(one)[0]?.warning ?? '', /^127\.0\.0\.1:5000: apply needs about 1 manifest pull but only 0 remain: /);
    const lastOne = {
      ...one,
      stats: { ...one.stats, rateLimits: { [SOURCE]: { limit: 100, remaining: 1, windowSeconds: 21600, needed: 2 } } },
    };
    assert.match(pullBudgetLines(lastOne)[0]?.warning ?? '', /^127\.0\.0\.1:5000: apply needs about 2 manifest pulls but only 1 remains: /);
  });

  it('words other windows, and a limit or window the host did not send', () => {
    const line = (limit: Omit<PlanRateLimit, 'needed'>) => pullBudgetLines(budgetPlan({}, { [SOURCE]: limit }))[0]?.line;
    assert.equal(
      line({ limit: 200, remaining: 150, windowSeconds: 3600 }),
      `${SOURCE}: apply needs about 7 manifest pulls; 150 of 200 remain in this 1h window`,
    );
    assert.equal(
      line({ limit: null, remaining: 150, windowSeconds: 90 }),
      `${SOURCE}: apply needs about 7 manifest pulls; 150 remain in this 1min30s window`,
    );
    assert.equal(
      line({ limit: 40, remaining: 9, windowSeconds: null }),
      `${SOURCE}: apply needs about 7 manifest pulls; 9 of 40 remain in the current window`,
    );
    const upToDate = pullBudgetLines({ ...budgetPlan(), changes: [] })[0]?.line;
    assert.equal(
      upToDate,
      `${SOURCE}: apply needs about 7 manifest pulls; 76 of 100 remain in this 6h window`,
      'needed is what the planner stored',
    );
  });

  it('formatSeconds writes units parseDuration reads', () => {
    assert.deepEqual([21600, 86400, 5400, 90, 45, 0].map(formatSeconds), ['6h', '24h', '1h30min', '1min30s', '45s', '0s']);
  });
});
