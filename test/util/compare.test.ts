import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareStrings } from '../../src/util/compare.js';

describe('compareStrings: the one string order of plans, digests and summaries', () => {
  it('is code-unit order, not locale order: capitals before lower case, digits before letters', () => {
    // localeCompare would give ['1.0', 'alpha', 'Beta', 'beta', 'ä']; code units are the same on every machine.
    assert.deepEqual(['beta', 'ä', 'Beta', 'alpha', '1.0'].sort(compareStrings), ['1.0', 'Beta', 'alpha', 'beta', 'ä']);
  });

  it('returns 0 only for equal strings and is antisymmetric', () => {
    assert.equal(compareStrings('v1', 'v1'), 0);
    assert.equal(compareStrings('v1', 'v2'), -1);
    assert.equal(compareStrings('v2', 'v1'), 1);
  });
});
