import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchTagNames } from '../../src/plan/filters.js';
import { selectedTagNames } from '../../src/plan/tag-selection.js';
import type { MirrorConfig } from '../../src/config/types.js';
import { days, inventoryFor, mirrorConfig, NOW, planOf } from '../helpers/inventory-builder.js';

// The inventory reads the destination only for the tags selectedTagNames returns (without prune): it must be the
// very set the planner selects, or a selected tag would be compared with a destination it never read.

const created = (daysAgo: number): string => new Date(NOW.getTime() - daysAgo * 86_400_000).toISOString();

function inventoryOf(mirror: MirrorConfig) {
  return inventoryFor(mirror)
    .source('app', (repo) =>
      repo
        .image('v1', 'one', created(40))
        .image('v2', 'two', created(20))
        .image('v3', 'three', created(5))
        .image('undated', 'undated', null)
        .image('arm', { content: 'arm', created: created(3), platform: 'linux/arm64' })
        .index('multi', {
          content: 'multi',
          children: [
            { content: 'multi-amd', created: created(2) },
            { content: 'multi-arm', created: created(2), platform: 'linux/arm64' },
          ],
        })
        .listedOnly('gone'),
    )
    .build();
}

/** The tags the planner selects for `mirror` (every selected tag is diffed into a change with a source). */
function plannerSelected(mirror: MirrorConfig): string[] {
  const { plan } = planOf([mirror], [inventoryOf(mirror)]);
  return plan.changes
    .filter((change) => change.source !== null)
    .map((change) => change.target.ref.split(':').at(-1)!)
    .sort();
}

function inventorySelected(mirror: MirrorConfig): string[] {
  const facts = inventoryOf(mirror).source.app!;
  return selectedTagNames(mirror, matchTagNames(mirror, facts.tags).kept, facts.facts, NOW).sort();
}

describe('selectedTagNames: the planner selection, for the inventory', () => {
  const cases: Array<[string, MirrorConfig]> = [
    ['no filter', mirrorConfig()],
    ['maxAge', mirrorConfig({ tags: { maxAge: days(10) } })],
    ['minAge', mirrorConfig({ tags: { minAge: days(10) } })],
    ['latest 2', mirrorConfig({ tags: { latest: 2 } })],
    ['latest 3 with maxAge', mirrorConfig({ tags: { latest: 3, maxAge: days(30) } })],
    ['platforms subset', mirrorConfig({ platforms: ['linux/arm64'] })],
    ['docker executor', mirrorConfig({ executor: 'docker' })],
    ['docker executor, arm64, latest 1', mirrorConfig({ executor: 'docker', platforms: ['linux/arm64'], tags: { latest: 1 } })],
  ];
  for (const [name, mirror] of cases) {
    it(name, () => {
      const selected = inventorySelected(mirror);
      assert.deepEqual(selected, plannerSelected(mirror));
      assert.ok(!selected.includes('gone'), 'a tag without facts is never selected');
    });
  }

  it('drops what the date filters drop (not the identity)', () => {
    assert.deepEqual(inventorySelected(mirrorConfig({ tags: { latest: 2 } })), ['arm', 'multi']);
  });
});
