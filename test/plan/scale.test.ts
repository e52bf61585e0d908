import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actions, nightlyRepository, planOf } from '../helpers/inventory-builder.js';

describe('buildPlan at scale', () => {
  it('plans a repository of 60 000 tags (all at the destination, with prune)', () => {
    // Nightly-build repositories reach tens of thousands of tags; a tags.includes per tag made this quadratic
    // (about 3.6 billion string comparisons here, tens of seconds). How long it takes is measured by
    // bench/plan-scale.ts, not asserted here.
    const count = 60_000;
    const { mirror, inventory } = nightlyRepository(count);
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(problems, []);
    assert.equal(plan.summary.noop, count * 0.9);
    assert.equal(plan.summary.delete, count * 0.1);
    assert.equal(actions(plan)[0], 'noop up-to-date 127.0.0.1:5001/mirror/app1:nightly-000000');
  });
});
