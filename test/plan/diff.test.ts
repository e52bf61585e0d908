import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializePlan } from '../../src/planfile/index.js';
import {
  actions,
  configDigest,
  days,
  indexDigest,
  inventoryFor,
  manifestDigest,
  mirrorConfig,
  planOf,
  skips,
} from '../helpers/inventory-builder.js';
import type { MirrorOverrides, RepoBuilder } from '../helpers/inventory-builder.js';

const S = '127.0.0.1:5000/team';
const D = '127.0.0.1:5001/mirror';

describe('buildPlan: the diff', () => {
  it('create, noop up-to-date, update; refs, ids and source fields', () => {
    const mirror = mirrorConfig();
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.image('v1', 'app1-v1', '2024-03-05T12:00:00Z').image('v2', 'app1-v2').image('latest', 'app1-v2'))
      .destination('mirror/app1', (r) => r.image('v1', 'app1-v1').image('latest', 'app1-old'))
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(plan), [
      `update content-differs ${D}/app1:latest`,
      `noop up-to-date ${D}/app1:v1`,
      `create missing-in-destination ${D}/app1:v2`,
    ]);
    const v1 = plan.changes[1]!;
    assert.equal(v1.id, `apps:${D}/app1:v1`);
    assert.deepEqual(v1.source, {
      ref: `${S}/app1:v1`,
      endpoint: '127.0.0.1:5000',
      repository: 'team/app1',
      tag: 'v1',
      digest: manifestDigest('app1-v1'),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      created: '2024-03-05T12:00:00Z',
      configDigest: configDigest('app1-v1'),
      platforms: ['linux/amd64'],
    });
    assert.deepEqual(plan.changes[2]!.target, {
      ref: `${D}/app1:v2`,
      endpoint: '127.0.0.1:5001',
      repository: 'mirror/app1',
      tag: 'v2',
      digest: null,
      configDigest: null,
    });
    // What apply copies: a plain image whole; noops carry no copy.
    assert.deepEqual(plan.changes[2]!.copy, { platforms: null });
    assert.equal(v1.copy, undefined);
    assert.equal(plan.changes[0]!.target.digest, manifestDigest('app1-old'));
    assert.deepEqual(plan.summary, { create: 1, update: 1, delete: 0, noop: 1, skipped: 0 });
  });

  it('overwrite false turns an update into noop overwrite-disabled', () => {
    const mirror = mirrorConfig({ overwrite: false });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.image('latest', 'new'))
      .destination('mirror/app1', (r) => r.image('latest', 'old'))
      .build();
    assert.deepEqual(actions(planOf([mirror], [inventory]).plan), [`noop overwrite-disabled ${D}/app1:latest`]);
  });

  it('a destination repository that does not exist gets only creates', () => {
    const mirror = mirrorConfig();
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.head('a', 'x').head('b', 'y'))
      .build();
    assert.deepEqual(actions(planOf([mirror], [inventory]).plan), [
      `create missing-in-destination ${D}/app1:a`,
      `create missing-in-destination ${D}/app1:b`,
    ]);
  });

  it('ocidir endpoints give ocidir:// refs', () => {
    const mirror = mirrorConfig({ destination: { scheme: 'ocidir', path: '/srv/oci/', prefix: '' } });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.head('v1', 'x'))
      .build();
    const { plan } = planOf([mirror], [inventory]);
    assert.equal(plan.changes[0]!.target.ref, 'ocidir:///srv/oci/app1:v1');
    assert.equal(plan.changes[0]!.id, 'apps:ocidir:///srv/oci/app1:v1');
  });
});

describe('buildPlan: date filters', () => {
  const now = new Date('2026-11-28T10:00:00.000Z');
  const build = (tags: MirrorOverrides['tags']) => {
    const mirror = mirrorConfig({ tags });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) =>
        r
          .image('old', 'old', '2026-01-01T00:00:00Z')
          .image('month', 'month', '2026-11-01T00:00:00Z')
          .image('week', 'week', '2026-11-21T00:00:00Z')
          .image('fresh', 'fresh', '2026-11-28T09:30:00Z')
          .image('undated', 'undated', null)
          .head('unread', 'unread'),
      )
      .build();
    return planOf([mirror], [inventory], { now });
  };
  const cases: Array<{ name: string; tags: MirrorOverrides['tags']; created: string[]; skipped: string[] }> = [
    {
      name: 'maxAge drops older tags',
      tags: { maxAge: days(20) },
      created: ['fresh', 'week'],
      skipped: ['date-unknown undated', 'date-unknown unread', 'maxAge month', 'maxAge old'],
    },
    {
      name: 'minAge drops newer tags',
      tags: { minAge: { text: '1h', ms: 3_600_000 } },
      created: ['month', 'old', 'week'],
      skipped: ['date-unknown undated', 'date-unknown unread', 'minAge fresh'],
    },
    {
      name: 'latest keeps the N newest',
      tags: { latest: 2 },
      created: ['fresh', 'week'],
      skipped: ['date-unknown undated', 'date-unknown unread', 'latest month', 'latest old'],
    },
    {
      name: 'maxAge and minAge and latest combined',
      tags: { maxAge: days(60), minAge: { text: '1d', ms: 86_400_000 }, latest: 1 },
      created: ['week'],
      skipped: ['date-unknown undated', 'date-unknown unread', 'latest month', 'maxAge old', 'minAge fresh'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { plan, problems } = build(c.tags);
      assert.deepEqual(problems, []);
      assert.deepEqual(
        plan.changes.map((ch) => ch.target.ref.split(':').pop()),
        c.created,
      );
      assert.deepEqual(plan.skipped.map((s) => `${s.filter} ${s.ref.split(':').pop()}`).sort(), c.skipped);
    });
  }

  it('explains age filters with the date and the limit', () => {
    const { plan } = build({ maxAge: days(20) });
    assert.deepEqual(
      plan.skipped.find((s) => s.ref.endsWith(':old')),
      { mirror: 'apps', ref: `${S}/app1:old`, filter: 'maxAge', detail: 'created 2026-01-01T00:00:00Z, older than 20d' },
    );
  });

  it('latest breaks ties of equal dates by tag name, descending', () => {
    const mirror = mirrorConfig({ tags: { latest: 2 } });
    const when = '2026-06-01T00:00:00Z';
    const inventory = inventoryFor(mirror)
      .source('app1', (r) =>
        r.image('a', 'a', when).image('c', 'c', when).image('b', 'b', when).image('older', 'o', '2026-05-01T00:00:00Z'),
      )
      .build();
    const { plan } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(plan), [`create missing-in-destination ${D}/app1:b`, `create missing-in-destination ${D}/app1:c`]);
    assert.deepEqual(skips(plan), [`latest ${S}/app1:a`, `latest ${S}/app1:older`]);
  });

  it('name filters run before date filters (latest counts only what is left)', () => {
    const mirror = mirrorConfig({ tags: { semver: '>=1.0.0', exclude: ['rc'], latest: 1 } });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) =>
        r
          .image('v2.0.0-rc1', 'rc', '2026-11-27T00:00:00Z')
          .image('v1.1.0', 'b', '2026-10-01T00:00:00Z')
          .image('v1.0.0', 'a', '2026-09-01T00:00:00Z')
          .image('nightly', 'n', '2026-11-28T00:00:00Z'),
      )
      .build();
    const { plan } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(plan), [`create missing-in-destination ${D}/app1:v1.1.0`]);
    assert.deepEqual(skips(plan), [`semver ${S}/app1:nightly`, `latest ${S}/app1:v1.0.0`, `exclude ${S}/app1:v2.0.0-rc1`]);
  });

  it('an index is dated by the newest of its selected platforms', () => {
    const index = {
      content: 'multi',
      children: [
        { content: 'amd', platform: 'linux/amd64', created: '2025-01-01T00:00:00Z' },
        { content: 'arm', platform: 'linux/arm64', created: '2026-11-20T00:00:00Z' },
      ],
    };
    const all = mirrorConfig({ tags: { maxAge: days(30) } });
    const amd = mirrorConfig({ tags: { maxAge: days(30) }, platforms: ['linux/amd64'] });
    const planned = (m: typeof all) =>
      planOf(
        [m],
        [
          inventoryFor(m)
            .source('app1', (r) => r.index('v1', index))
            .build(),
        ],
      ).plan;
    assert.deepEqual(actions(planned(all)), [`create missing-in-destination ${D}/app1:v1`]);
    assert.equal(planned(all).changes[0]!.source!.created, '2026-11-20T00:00:00Z');
    assert.deepEqual(skips(planned(amd)), [`maxAge ${S}/app1:v1`]);
  });
});

describe('buildPlan: platforms and executors', () => {
  const twoPlatforms = {
    content: 'multi',
    children: [
      { content: 'amd', platform: 'linux/amd64' },
      { content: 'arm', platform: 'linux/arm64' },
    ],
  };

  it('registry executor copies an index whole: all platforms, digest compared', () => {
    const mirror = mirrorConfig();
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.index('v1', twoPlatforms).index('v2', twoPlatforms))
      .destination('mirror/app1', (r) => r.index('v1', twoPlatforms))
      .build();
    const { plan } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(plan), [`noop up-to-date ${D}/app1:v1`, `create missing-in-destination ${D}/app1:v2`]);
    assert.deepEqual(plan.changes[1]!.source!.platforms, ['linux/amd64', 'linux/arm64']);
    assert.equal(plan.changes[1]!.source!.configDigest, null);
    assert.equal(plan.changes[1]!.warnings, undefined);
    assert.deepEqual(plan.changes[1]!.copy, { platforms: null });
  });

  it('registry executor with a platforms subset compares the destination children, not the index digest', () => {
    const mirror = mirrorConfig({ platforms: ['linux/arm64'] });
    const subset = { content: 'subset-index', children: [{ content: 'arm', platform: 'linux/arm64' }] };
    const otherSubset = { content: 'other-index', children: [{ content: 'arm-old', platform: 'linux/arm64' }] };
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.index('same', twoPlatforms).index('differs', twoPlatforms).index('missing', twoPlatforms))
      .destination('mirror/app1', (r) => r.index('same', subset).index('differs', otherSubset))
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(plan), [
      `update content-differs ${D}/app1:differs`,
      `create missing-in-destination ${D}/app1:missing`,
      `noop up-to-date ${D}/app1:same`,
    ]);
    assert.deepEqual(plan.changes[1]!.source!.platforms, ['linux/arm64']);
    assert.deepEqual(plan.changes[1]!.copy, { platforms: ['linux/arm64'] });
    assert.equal(plan.changes[1]!.source!.digest, indexDigest('multi'));
  });

  it('an index with none of the wanted platforms is skipped (filter platform), not a problem', () => {
    const mirror = mirrorConfig({ platforms: ['linux/s390x'] });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.index('v1', twoPlatforms))
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(problems, []);
    assert.deepEqual(plan.changes, []);
    assert.deepEqual(plan.skipped, [
      {
        mirror: 'apps',
        ref: `${S}/app1:v1`,
        filter: 'platform',
        detail: 'the index has none of linux/s390x (it has linux/amd64, linux/arm64)',
      },
    ]);
  });

  it('docker executor compares config digests: a re-encoded push is up to date', () => {
    const mirror = mirrorConfig({ executor: 'docker' });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.image('same', 'c1').image('differs', 'c2'))
      .destination('mirror/app1', (r) =>
        r.image('same', { content: 'c1', manifest: 'c1-reencoded' }).image('differs', { content: 'c-old', manifest: 'c-old' }),
      )
      .build();
    const { plan } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(plan), [`update content-differs ${D}/app1:differs`, `noop up-to-date ${D}/app1:same`]);
    assert.deepEqual(plan.changes[1]!.target, {
      ref: `${D}/app1:same`,
      endpoint: '127.0.0.1:5001',
      repository: 'mirror/app1',
      tag: 'same',
      digest: manifestDigest('c1-reencoded'),
      configDigest: configDigest('c1'),
    });
  });

  it('the registry executor does not treat a re-encoded image as the same', () => {
    const mirror = mirrorConfig();
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.image('same', 'c1'))
      .destination('mirror/app1', (r) => r.image('same', { content: 'c1', manifest: 'c1-reencoded' }))
      .build();
    assert.deepEqual(actions(planOf([mirror], [inventory]).plan), [`update content-differs ${D}/app1:same`]);
  });

  it('docker executor pulls one platform of an index, compares its config, and warns about flattening', () => {
    const mirror = mirrorConfig({ executor: 'docker', platforms: ['linux/arm64'] });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.index('v1', twoPlatforms).index('v2', twoPlatforms))
      .destination('mirror/app1', (r) => r.image('v1', { content: 'arm', manifest: 'arm-pushed', platform: 'linux/arm64' }))
      .build();
    const { plan } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(plan), [`noop up-to-date ${D}/app1:v1`, `create missing-in-destination ${D}/app1:v2`]);
    const created = plan.changes[1]!;
    assert.deepEqual(created.source!.platforms, ['linux/arm64']);
    assert.deepEqual(created.copy, { platforms: ['linux/arm64'] });
    assert.equal(created.source!.configDigest, configDigest('arm'));
    assert.equal(created.executor, 'docker');
    assert.equal(created.warnings?.length, 1);
    assert.match(created.warnings[0]!, /index.*linux\/arm64.*single-platform/);
    assert.equal(plan.changes[0]!.warnings, undefined);
  });
});

describe('buildPlan: platforms named without their variant', () => {
  // Docker Hub's official images list arm64 as linux/arm64/v8: `platforms: [linux/arm64]` must find it, as the
  // inventory, `docker pull --platform` and the registry copy all do (the planner used to match exactly).
  const withVariants = {
    content: 'official',
    children: [
      { content: 'amd', platform: 'linux/amd64' },
      { content: 'arm64', platform: 'linux/arm64/v8' },
      { content: 'arm6', platform: 'linux/arm/v6' },
      { content: 'arm7', platform: 'linux/arm/v7' },
    ],
  };

  it('registry executor: a platform without variant selects every variant of it', () => {
    const mirror = mirrorConfig({ platforms: ['linux/arm64', 'linux/arm'] });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.index('v1', withVariants))
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(plan), [`create missing-in-destination ${D}/app1:v1`]);
    assert.deepEqual(plan.changes[0]!.source!.platforms, ['linux/arm64/v8', 'linux/arm/v6', 'linux/arm/v7']);
  });

  it('docker executor: pulls one child, the exact platform first, else the first variant, and compares its config', () => {
    const table: Array<{ wanted: string; pulled: string; config: string }> = [
      { wanted: 'linux/arm64', pulled: 'linux/arm64/v8', config: 'arm64' },
      { wanted: 'linux/arm/v7', pulled: 'linux/arm/v7', config: 'arm7' },
      { wanted: 'linux/arm', pulled: 'linux/arm/v6', config: 'arm6' },
    ];
    for (const { wanted, pulled, config } of table) {
      const mirror = mirrorConfig({ executor: 'docker', platforms: [wanted] });
      const inventory = inventoryFor(mirror)
        .source('app1', (r) => r.index('v1', withVariants).index('v2', withVariants))
        .destination('mirror/app1', (r) => r.image('v1', { content: config, manifest: `${config}-pushed`, platform: pulled }))
        .build();
      const { plan, problems } = planOf([mirror], [inventory]);
      assert.deepEqual(problems, [], wanted);
      assert.deepEqual(actions(plan), [`noop up-to-date ${D}/app1:v1`, `create missing-in-destination ${D}/app1:v2`], wanted);
      assert.deepEqual(plan.changes[1]!.source!.platforms, [pulled], wanted);
      assert.equal(plan.changes[1]!.source!.configDigest, configDigest(config), wanted);
    }
  });

  it('docker executor: a destination index is compared through the child docker would pull', () => {
    const mirror = mirrorConfig({ executor: 'docker', platforms: ['linux/arm64'] });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.image('v1', { content: 'arm64', platform: 'linux/arm64/v8' }))
      .destination('mirror/app1', (r) => r.index('v1', withVariants))
      .build();
    const { plan } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(plan), [`noop up-to-date ${D}/app1:v1`]);
    assert.equal(plan.changes[0]!.target.configDigest, configDigest('arm64'));
  });
});

describe('buildPlan: tags that are names of Object properties', () => {
  // Valid tags; as keys of the Inventory's records a plain lookup found Object.prototype's members.
  it('plans __proto__, constructor and toString like any tag, and a listed-but-gone one is reported', () => {
    const mirror = mirrorConfig({ prune: true });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.image('__proto__', 'p').image('toString', 't').listedOnly('constructor'))
      .destination('mirror/app1', (r) => r.image('toString', 'old').image('hasOwnProperty', 'x').listedOnly('valueOf'))
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(plan), [
      `create missing-in-destination ${D}/app1:__proto__`,
      `delete not-in-selection ${D}/app1:hasOwnProperty`,
      `update content-differs ${D}/app1:toString`,
    ]);
    assert.deepEqual(problems, [
      'mirror apps: 127.0.0.1:5000/team/app1:constructor: the tag was listed but could not be read (deleted while planning?); run plan again',
      `mirror apps: ${D}/app1:valueOf: the tag was listed but could not be read, so prune cannot check it; run plan again`,
    ]);
  });
});

describe('buildPlan: prune', () => {
  it('deletes destination tags not in the selection, but never a digest a kept tag points at', () => {
    const mirror = mirrorConfig({ prune: true, tags: { exclude: ['^old'] } });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.image('v1', 'one').image('v2', 'two').image('old-1', 'gone'))
      .destination('mirror/app1', (r) =>
        r
          .image('v1', 'one')
          .image('alias-of-v1', 'one') // same digest as kept v1: deleting it would delete v1
          .image('alias-of-v2', 'two') // v2 is created with this digest: deleting it after the copy would delete v2
          .image('stale', 'stale')
          .image('old-1', 'gone'),
      )
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(plan), [
      `noop digest-shared-with-kept-tag ${D}/app1:alias-of-v1`,
      `noop digest-shared-with-kept-tag ${D}/app1:alias-of-v2`,
      `delete not-in-selection ${D}/app1:old-1`,
      `delete not-in-selection ${D}/app1:stale`,
      `noop up-to-date ${D}/app1:v1`,
      `create missing-in-destination ${D}/app1:v2`,
    ]);
    const stale = plan.changes[3]!;
    assert.equal(stale.source, null);
    assert.deepEqual(stale.target, {
      ref: `${D}/app1:stale`,
      endpoint: '127.0.0.1:5001',
      repository: 'mirror/app1',
      tag: 'stale',
      digest: manifestDigest('stale'),
      configDigest: configDigest('stale'),
    });
    assert.equal(stale.copy, undefined);
  });

  it('without prune, extra destination tags are left alone', () => {
    const mirror = mirrorConfig();
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.image('v1', 'one'))
      .destination('mirror/app1', (r) => r.image('v1', 'one').image('stale', 'stale'))
      .build();
    assert.deepEqual(actions(planOf([mirror], [inventory]).plan), [`noop up-to-date ${D}/app1:v1`]);
  });

  it('prune only touches the destination repositories of selected source repositories', () => {
    const mirror = mirrorConfig({ prune: true, repositories: { exclude: ['app2'] } });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.image('v1', 'one'))
      .source('app2', (r) => r.image('v1', 'two'))
      .destination('mirror/app2', (r) => r.image('stale', 'x'))
      .build();
    const { plan } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(plan), [`create missing-in-destination ${D}/app1:v1`]);
    assert.deepEqual(skips(plan), [`exclude ${S}/app2`]);
  });

  /**
   * Mirror "a" prunes mirror/app1 and keeps only v2; mirror "b" writes v1 there. "alias" points at v1's digest:
   * deleting it by digest would take b's v1 with it, so it is reported, not deleted. "stale" is deleted.
   */
  function sharedRepository() {
    const a = mirrorConfig({ name: 'a', prune: true, tags: { include: ['^v2$'] } });
    const b = mirrorConfig({ name: 'b', tags: { include: ['^v1$'] } });
    const destination = (r: RepoBuilder) => r.image('v1', 'one').image('alias', 'one').image('stale', 'stale');
    const source = (r: RepoBuilder) => r.image('v1', 'one').image('v2', 'two');
    const inventories = [
      inventoryFor(a).source('app1', source).destination('mirror/app1', destination).build(),
      inventoryFor(b).source('app1', source).destination('mirror/app1', destination).build(),
    ];
    return { a, b, source, destination, inventories };
  }

  it('prune never deletes a digest that another mirror keeps in the same destination repository', () => {
    const { a, b, inventories } = sharedRepository();
    const { plan, problems } = planOf([a, b], inventories);
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(plan), [
      `noop digest-shared-with-kept-tag ${D}/app1:alias`,
      `delete not-in-selection ${D}/app1:stale`,
      `create missing-in-destination ${D}/app1:v2`,
      `noop up-to-date ${D}/app1:v1`,
    ]);
    assert.equal(plan.changes[0]!.source, null);
    assert.deepEqual(plan.summary, { create: 1, update: 0, delete: 1, noop: 2, skipped: 2 });
  });

  it('with --mirror, mirrors read alongside still protect their digests and collide, but are not reported', () => {
    const { a, b, source, destination, inventories } = sharedRepository();
    const { plan, problems } = planOf([a, b], inventories, { only: ['a'] });
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(plan), [
      `noop digest-shared-with-kept-tag ${D}/app1:alias`,
      `delete not-in-selection ${D}/app1:stale`,
      `create missing-in-destination ${D}/app1:v2`,
    ]);
    assert.ok(plan.changes.every((change) => change.mirror === 'a'));
    assert.ok(plan.skipped.every((skip) => skip.mirror === 'a'));

    // b writing a's v2 too is a collision a --mirror a plan must report; one inside b alone is not a's problem.
    const c = mirrorConfig({ name: 'c', tags: { include: ['^v2$'] } });
    const d = mirrorConfig({ name: 'd', rename: { kind: 'template', template: 'x/\\3' } });
    const colliding = planOf(
      [a, c, d],
      [
        ...inventories.slice(0, 1),
        inventoryFor(c).source('app1', source).destination('mirror/app1', destination).build(),
        inventoryFor(d).source('app1', source).build(),
      ],
      { only: ['a'] },
    );
    assert.equal(colliding.problems.length, 1);
    assert.match(colliding.problems[0]!, /\(mirror a\) and .*\(mirror c\) both map to .*app1:v2/);
  });

  it('a source tag that could not be read is a problem and keeps its destination copy', () => {
    const mirror = mirrorConfig({ prune: true });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.listedOnly('vanished'))
      .destination('mirror/app1', (r) => r.image('vanished', 'v'))
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(plan), []);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /app1:vanished: the tag was listed but could not be read/);
  });
});

describe('buildPlan: rename, collisions, problems', () => {
  it('applies a rename template and reports a too-deep token as a problem for that repository only', () => {
    // The template sees the whole source path: team/group/app1 has a third part, team/toplevel does not.
    const mirror = mirrorConfig({ rename: { kind: 'template', template: 'flat/\\3' } });
    const inventory = inventoryFor(mirror)
      .source('group/app1', (r) => r.head('v1', 'a'))
      .source('toplevel', (r) => r.head('v1', 'b'))
      .destination('mirror/flat/app1')
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(plan), [`create missing-in-destination ${D}/flat/app1:v1`]);
    assert.equal(plan.changes[0]!.source!.ref, `${S}/group/app1:v1`);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^mirror apps: 127\.0\.0\.1:5000\/team\/toplevel: rename template "flat\/\\\\3" uses \\3/);
    assert.ok(!JSON.stringify(plan).includes('\\\\3'), 'no literal token reaches the plan');
  });

  it('two source tags mapping to one destination tag are a problem naming both, and neither is planned', () => {
    const mirror = mirrorConfig({ rename: { kind: 'template', template: '\\3' } });
    const inventory = inventoryFor(mirror)
      .source('a/app', (r) => r.head('v1', 'a1').head('only-a', 'a2'))
      .source('b/app', (r) => r.head('v1', 'b1'))
      .destination('mirror/app')
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(plan), [`create missing-in-destination ${D}/app:only-a`]);
    assert.deepEqual(problems, [
      `${S}/a/app:v1 (mirror apps) and ${S}/b/app:v1 (mirror apps) both map to ${D}/app:v1: change the rename rule or narrow the selection`,
    ]);
  });

  it('explicit names that do not exist at the source are a problem', () => {
    const mirror = mirrorConfig({ repositories: { names: ['ghost'] } });
    const inventory = inventoryFor(mirror).source('ghost').build();
    const { problems } = planOf([mirror], [inventory]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /team\/ghost: the repository does not exist/);
  });

  it('an invalid semver range is a problem, not a silent empty plan', () => {
    const mirror = mirrorConfig({ tags: { semver: 'not a range' } });
    const { problems } = planOf(
      [mirror],
      [
        inventoryFor(mirror)
          .source('app1', (r) => r.head('v1', 'x'))
          .build(),
      ],
    );
    assert.match(problems[0] ?? '', /tags.semver "not a range" is not a semver range/);
  });
});

describe('buildPlan: mirrors and order', () => {
  const apps = mirrorConfig({ name: 'apps' });
  const tools = mirrorConfig({ name: 'tools', source: { scheme: 'registry', host: '127.0.0.1:5000', prefix: 'tools' } });
  const appsInventory = inventoryFor(apps)
    .source('app1', (r) => r.head('v1', 'a'))
    .build();
  const toolsInventory = inventoryFor(tools)
    .source('build', (r) => r.head('v1', 't'))
    .build();

  it('plans every mirror by default and only the named ones with --mirror', () => {
    assert.deepEqual(
      planOf([apps, tools], [appsInventory, toolsInventory]).plan.changes.map((c) => c.mirror),
      ['apps', 'tools'],
    );
    assert.deepEqual(
      planOf([apps, tools], [appsInventory, toolsInventory], { only: ['tools'] }).plan.changes.map((c) => c.id),
      [`tools:${D}/build:v1`],
    );
  });

  it('an unknown --mirror name is a problem', () => {
    assert.deepEqual(planOf([apps], [appsInventory], { only: ['nope'] }).problems, ['no mirror named nope in the config']);
  });

  it('sorts by mirror, target repository, tag and gives byte-identical plans whatever the listing order', () => {
    const mirror = mirrorConfig({ tags: { exclude: ['skip'] } });
    const forward = inventoryFor(mirror)
      .source('app-x', (r) => r.head('b', '1').head('a', '2'))
      .source('app', (r) => r.head('v10', '3').head('v9', '4').head('skip-me', '5'))
      .build();
    const backward = inventoryFor(mirror)
      .source('app', (r) => r.head('skip-me', '5').head('v9', '4').head('v10', '3'))
      .source('app-x', (r) => r.head('a', '2').head('b', '1'))
      .catalog('app-x', 'app')
      .build();
    const one = planOf([mirror, tools], [toolsInventory, forward]).plan;
    const two = planOf([tools, mirror], [backward, toolsInventory]).plan;
    assert.equal(serializePlan(one), serializePlan(two));
    assert.deepEqual(
      one.changes.map((c) => c.id),
      [`apps:${D}/app:v10`, `apps:${D}/app:v9`, `apps:${D}/app-x:a`, `apps:${D}/app-x:b`, `tools:${D}/build:v1`],
    );
  });
});

describe('buildPlan: parsed change locations', () => {
  // A display ref such as ocidir://./lab/out/team/app:v1 cannot be split back into directory and repository:
  // apply reads these fields instead (issue 8).
  it('an ocidir destination with a nested repository keeps endpoint, repository and tag apart', () => {
    const mirror = mirrorConfig({
      destination: { scheme: 'ocidir', path: '/abs/lab/out', prefix: '', written: 'ocidir://./lab/out' },
      rename: { kind: 'template', template: 'team/\\2' },
    });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.image('v1', 'app1-v1'))
      .destination('team/app1', (r) => r)
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(problems, []);
    const change = plan.changes[0]!;
    assert.equal(change.target.ref, 'ocidir://./lab/out/team/app1:v1');
    assert.deepEqual(
      { endpoint: change.target.endpoint, repository: change.target.repository, tag: change.target.tag },
      { endpoint: 'ocidir://./lab/out', repository: 'team/app1', tag: 'v1' },
    );
    assert.deepEqual(
      { endpoint: change.source!.endpoint, repository: change.source!.repository, tag: change.source!.tag },
      { endpoint: '127.0.0.1:5000', repository: 'team/app1', tag: 'v1' },
    );
  });
});
