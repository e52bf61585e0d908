/**
 * Content that is not a plain image (issue 7, items 12 to 15): artifacts, indexes whose children declare no
 * platform, buildx attestations, and `platforms` that a tag cannot serve.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actions, indexDigest, inventoryFor, manifestDigest, mirrorConfig, planOf, skips } from '../helpers/inventory-builder.js';
import type { IndexSpec } from '../helpers/inventory-builder.js';
import { planProblems, serializePlan } from '../../src/planfile/index.js';

const S = '127.0.0.1:5000/team';

/** An index of referrers under a `sha256-<hex>` fallback tag: children are artifacts, no platform anywhere. */
const referrers: IndexSpec = {
  content: 'referrers',
  children: [
    { content: 'sbom', platform: null, artifactType: 'application/example.sbom' },
    { content: 'sig', platform: null, artifactType: 'application/example.signature' },
  ],
};
const empty: IndexSpec = { content: 'empty', children: [] };
/** A buildx index: two images and an attestation for each. */
const buildx: IndexSpec = {
  content: 'buildx',
  children: [
    { content: 'amd', platform: 'linux/amd64' },
    { content: 'arm', platform: 'linux/arm64' },
    { content: 'att-amd', platform: 'unknown/unknown', describes: 'amd' },
    { content: 'att-arm', platform: 'unknown/unknown', describes: 'arm' },
  ],
};

function plan(overrides: Parameters<typeof mirrorConfig>[0], fill: Parameters<ReturnType<typeof inventoryFor>['source']>[1]) {
  const mirror = mirrorConfig(overrides);
  return planOf([mirror], [inventoryFor(mirror).source('app1', fill).build()]);
}

describe('without platforms, every tag is copied whole, whatever it holds', () => {
  it('artifacts, referrer indexes, an empty index and a nested index are creates with copy.platforms null', () => {
    const { plan: result, problems } = plan({}, (r) =>
      r
        .image('sbom', { content: 'sbom', platform: null, artifactType: 'application/example.sbom' })
        .index('sha256-abc', referrers)
        .index('empty', empty)
        .index('nested', { content: 'nested', children: [{ content: 'inner-index', platform: null }] }),
    );
    assert.deepEqual(problems, []);
    assert.equal(result.changes.length, 4);
    for (const change of result.changes) {
      assert.equal(change.action, 'create');
      assert.deepEqual(change.copy, { platforms: null });
      assert.deepEqual(change.source?.platforms, [], 'no unknown/unknown for an artifact');
    }
    const sbom = result.changes.find((c) => c.target.tag === 'sbom');
    assert.equal(sbom?.source?.artifactType, 'application/example.sbom');
    assert.equal(result.changes.find((c) => c.target.tag === 'empty')?.source?.artifactType, undefined);
  });

  it('an index with an unusable child is still planned, with a warning saying why', () => {
    const why = 'manifest team/app1:sha256:1 is not valid: it has no config';
    const { plan: result, problems } = plan({}, (r) =>
      r.index('latest', { content: 'odd', children: [{ content: 'x', platform: 'linux/s390x' }], unusable: [why] }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(result.changes[0]?.warnings, [`a child of the index cannot be used, so copying it will likely fail: ${why}`]);
  });
});

describe('with platforms (registry executor)', () => {
  it('an index whose children declare no platform is copied whole', () => {
    const { plan: result } = plan({ platforms: ['linux/amd64'] }, (r) => r.index('sha256-abc', referrers).index('empty', empty));
    assert.deepEqual(actions(result), [
      'create missing-in-destination 127.0.0.1:5001/mirror/app1:empty',
      'create missing-in-destination 127.0.0.1:5001/mirror/app1:sha256-abc',
    ]);
    assert.deepEqual(
      result.changes.map((c) => c.copy),
      [{ platforms: null }, { platforms: null }],
    );
  });

  it('an artifact (no platform) is copied whole; an image of another platform is skipped as platform', () => {
    const { plan: result, problems } = plan({ platforms: ['linux/amd64'] }, (r) =>
      r
        .image('sbom', { content: 'sbom', platform: null, artifactType: 'application/example.sbom' })
        .image('arm', { content: 'arm', platform: 'linux/arm64' })
        .image('amd', { content: 'amd', platform: 'linux/amd64' }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(result), [
      'create missing-in-destination 127.0.0.1:5001/mirror/app1:amd',
      'create missing-in-destination 127.0.0.1:5001/mirror/app1:sbom',
    ]);
    assert.deepEqual(result.skipped, [
      { mirror: 'apps', ref: `${S}/app1:arm`, filter: 'platform', detail: 'the image is linux/arm64, not linux/amd64' },
    ]);
  });

  it('buildx attestations are kept exactly with the child they describe', () => {
    const { plan: result } = plan({ platforms: ['linux/arm64'] }, (r) => r.index('v1', buildx));
    const change = result.changes[0];
    assert.deepEqual(change?.copy, { platforms: ['linux/arm64'] });
    assert.deepEqual(change?.source?.platforms, ['linux/arm64']);
  });

  it('a subset that keeps every child is the whole index (it lands under the source digest)', () => {
    const { plan: result } = plan({ platforms: ['linux/amd64', 'linux/arm64'] }, (r) => r.index('v1', buildx));
    assert.deepEqual(result.changes[0]?.copy, { platforms: null });
  });

  it('the destination subset is compared by its children, attestations included', () => {
    const mirror = mirrorConfig({ platforms: ['linux/arm64'] });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.index('same', buildx).index('stale', buildx))
      .destination('mirror/app1', (r) =>
        r
          .index('same', {
            content: 'subset',
            children: [
              { content: 'arm', platform: 'linux/arm64' },
              { content: 'att-arm', platform: 'unknown/unknown', describes: 'arm' },
            ],
          })
          .index('stale', { content: 'old-subset', children: [{ content: 'arm', platform: 'linux/arm64' }] }),
      )
      .build();
    assert.deepEqual(actions(planOf([mirror], [inventory]).plan), [
      'noop up-to-date 127.0.0.1:5001/mirror/app1:same',
      'update content-differs 127.0.0.1:5001/mirror/app1:stale',
    ]);
  });

  it('a skipped tag is not kept, so prune deletes it at the destination like any unselected tag', () => {
    const mirror = mirrorConfig({ platforms: ['linux/s390x'], prune: true });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.index('v1', buildx))
      .destination('mirror/app1', (r) => r.index('v1', buildx))
      .build();
    const { plan: result } = planOf([mirror], [inventory]);
    assert.deepEqual(skips(result), [`platform ${S}/app1:v1`]);
    assert.deepEqual(actions(result), ['delete not-in-selection 127.0.0.1:5001/mirror/app1:v1']);
  });
});

describe('docker executor: an image without the pulled platform is skipped as platform', () => {
  it('names what the tag has', () => {
    const { plan: result, problems } = plan({ executor: 'docker' }, (r) =>
      r
        .image('arm', { content: 'arm', platform: 'linux/arm64' })
        .image('sbom', { content: 'sbom', platform: null, artifactType: 'application/example.sbom' })
        .index('sha256-abc', referrers)
        .index('v1', buildx),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(result), ['create missing-in-destination 127.0.0.1:5001/mirror/app1:v1']);
    assert.deepEqual(
      result.skipped.map((s) => `${s.filter} ${s.ref.slice(S.length + 1)}: ${s.detail}`),
      [
        'platform app1:arm: docker pulls linux/amd64; the image has linux/arm64',
        'platform app1:sbom: docker pulls linux/amd64; the image has no platforms (artifact type application/example.sbom)',
        'platform app1:sha256-abc: docker pulls linux/amd64; the index has no platforms',
      ],
    );
  });
});

describe('a whole copy lands under the source digest (one rule for prune and shared digests)', () => {
  it('prune spares a destination tag whose digest a whole copy of another tag lands under', () => {
    const mirror = mirrorConfig({ prune: true, tags: { exclude: ['^old$'] } });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.index('v2', buildx))
      .destination('mirror/app1', (r) => r.index('old', buildx))
      .build();
    const { plan: result } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(result), [
      'noop digest-shared-with-kept-tag 127.0.0.1:5001/mirror/app1:old',
      'create missing-in-destination 127.0.0.1:5001/mirror/app1:v2',
    ]);
    assert.equal(result.changes[0]?.target.digest, indexDigest('buildx'));
  });

  it('a subset copy (a new index) protects nothing: the old tag of the source digest is deleted', () => {
    const mirror = mirrorConfig({ prune: true, platforms: ['linux/amd64'], tags: { exclude: ['^old$'] } });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.index('v2', buildx))
      .destination('mirror/app1', (r) => r.index('old', buildx).image('amd', 'amd'))
      .build();
    const { plan: result } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(result), [
      'delete not-in-selection 127.0.0.1:5001/mirror/app1:amd',
      'delete not-in-selection 127.0.0.1:5001/mirror/app1:old',
      'create missing-in-destination 127.0.0.1:5001/mirror/app1:v2',
    ]);
    assert.equal(result.changes[0]?.target.digest, manifestDigest('amd'));
  });
});

describe('the plan JSON of such content', () => {
  it('source.artifactType follows platforms when known, skips with filter platform pass the plan schema', () => {
    const { plan: result } = plan({ platforms: ['linux/arm64'] }, (r) =>
      r.image('sbom', { content: 'sbom', platform: null, artifactType: 'application/example.sbom' }).image('amd', 'amd'),
    );
    const text = serializePlan(result);
    assert.match(text, /"platforms": \[\],\n\s+"artifactType": "application\/example.sbom"\n/);
    assert.deepEqual(planProblems(JSON.parse(text)), []);
    assert.equal(result.skipped[0]?.filter, 'platform');
  });
});
