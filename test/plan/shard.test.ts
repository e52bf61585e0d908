import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inShard, parseShard, shardOfRepository } from '../../src/plan/shard.js';

describe('shard', () => {
  it('parses I/N with 0 <= I < N', () => {
    assert.deepEqual(parseShard('0/3'), { index: 0, count: 3 });
    assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
    assert.deepEqual(parseShard(' 0/1 '), { index: 0, count: 1 });
    for (const bad of ['3/3', '1/0', '-1/3', '1/-3', 'a/b', '1', '1/2/3', '1.5/3', '']) assert.ok('error' in parseShard(bad), bad);
    assert.match((parseShard('3/3') as { error: string }).error, /--shard "3\/3" must be I\/N with 0 <= I < N/);
  });

  it('puts every repository in exactly one shard, the same one every time', () => {
    const repositories = Array.from({ length: 300 }, (_, i) => `mirror/app${i}`);
    for (const count of [1, 2, 3, 7]) {
      const sizes = new Array<number>(count).fill(0);
      for (const repository of repositories) {
        const owners = Array.from({ length: count }, (_, index) => index).filter((index) =>
          inShard({ index, count }, '127.0.0.1:5001', repository),
        );
        assert.equal(owners.length, 1, `${repository} in ${count} shards: ${owners.join(',')}`);
        assert.equal(owners[0], shardOfRepository('127.0.0.1:5001', repository, count));
        sizes[owners[0]]! += 1;
      }
      // A hash, not a round robin: each shard still gets a fair part of 300 repositories.
      for (const size of sizes) assert.ok(size > 300 / count / 2, `shard sizes ${sizes.join(',')}`);
    }
  });

  it('no shard means everything', () => {
    assert.equal(inShard(null, 'h', 'r'), true);
  });
});
