import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MirrorConfig } from '../../src/config/types.js';
import { planProblems, serializePlan } from '../../src/planfile/index.js';
import { inShard, parseShard, shardOfRepository } from '../../src/plan/shard.js';
import type { MirrorInventory } from '../../src/plan/types.js';
import { inventoryFor, mirrorConfig, planOf } from '../helpers/inventory-builder.js';

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

describe('buildPlan with --shard', () => {
  // Twelve repositories with every kind of change and skip, so each shard gets some of each.
  function scenario(): { mirrors: MirrorConfig[]; inventories: MirrorInventory[] } {
    const apps = mirrorConfig({ name: 'apps', prune: true, repositories: { exclude: ['-tmp$'] }, tags: { semver: '>=1.0.0' } });
    const builder = inventoryFor(apps);
    for (let i = 0; i < 12; i++) {
      builder.source(`app${i}`, (r) =>
        r.image('v1.0.0', `a${i}-100`).image('v1.1.0', `a${i}-110`).image('v1.2.0', `a${i}-120`).image('v0.9.0', `a${i}-090`),
      );
      builder.destination(`mirror/app${i}`, (r) => r.image('v1.0.0', `a${i}-100`).image('v1.1.0', `a${i}-old`).image('gone', `a${i}-gone`));
      builder.source(`app${i}-tmp`, (r) => r.image('v1.0.0', `t${i}`));
    }
    return { mirrors: [apps], inventories: [builder.build()] };
  }

  it('N shards partition the plan exactly: every change and skip in one shard, together the unsharded plan', () => {
    const { mirrors, inventories } = scenario();
    const whole = planOf(mirrors, inventories).plan;
    assert.ok(whole.changes.length >= 48 && whole.skipped.length >= 24, 'the scenario has changes and skips to share');
    assert.equal(whole.shard, undefined);
    for (const count of [1, 2, 3, 5]) {
      const parts = Array.from({ length: count }, (_, index) => planOf(mirrors, inventories, { shard: { index, count } }));
      for (const [index, part] of parts.entries()) {
        assert.deepEqual(part.problems, []);
        assert.deepEqual(part.plan.shard, { index, count });
        for (const change of part.plan.changes)
          assert.equal(shardOfRepository(change.target.endpoint, change.target.repository, count), index, change.id);
      }
      const ids = parts.flatMap((part) => part.plan.changes.map((change) => change.id));
      assert.equal(new Set(ids).size, ids.length, 'no change is in two shards');
      const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      assert.deepEqual(parts.flatMap((part) => part.plan.changes).sort(byId), [...whole.changes].sort(byId));
      const skippedKey = (s: { mirror: string; ref: string; filter: string }): string => `${s.mirror} ${s.ref} ${s.filter}`;
      assert.deepEqual(parts.flatMap((part) => part.plan.skipped.map(skippedKey)).sort(), whole.skipped.map(skippedKey).sort());
      for (const key of ['create', 'update', 'delete', 'noop', 'skipped'] as const) {
        assert.equal(
          parts.reduce((sum, part) => sum + part.plan.summary[key], 0),
          whole.summary[key],
          `${key} with ${count} shards`,
        );
      }
    }
  });

  it('a sharded plan reads back and records its shard', () => {
    const { mirrors, inventories } = scenario();
    const part = planOf(mirrors, inventories, { shard: { index: 1, count: 3 } }).plan;
    assert.deepEqual(planProblems(JSON.parse(serializePlan(part))), []);
    assert.match(serializePlan(part), /"configDigest": "sha256:[0-9a-f]+",\n {2}"shard": \{\n {4}"index": 1,\n {4}"count": 3\n {2}\},/);
    const broken = JSON.parse(serializePlan(part)) as { shard: { index: number } };
    broken.shard.index = 3;
    assert.deepEqual(planProblems(broken), ['/shard/index: is 3 but must be below count 3']);
  });
});
