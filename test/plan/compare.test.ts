import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameDigest } from '../../src/plan/compare.js';
import type { TagFacts } from '../../src/plan/types.js';

const facts = (c: string): TagFacts => ({
  digest: `sha256:${c.repeat(64)}`,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  isIndex: false,
});

// The one rule both the planner (sameContent) and the inventory (through InventorySelection) use to call a tag up
// to date from its digests alone.
test('sameDigest: equal manifest digests are the same content; a missing destination tag never is', () => {
  assert.equal(sameDigest(facts('a'), facts('a')), true);
  assert.equal(sameDigest(facts('a'), facts('b')), false);
  assert.equal(sameDigest(facts('a'), null), false);
});
