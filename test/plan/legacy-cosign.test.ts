/**
 * Issue 16, on plain data: cosign's legacy tags (`sha256-<hex>.sig`, `.att`, `.sbom`) travel with their selected
 * image as ordinary tag changes whatever the tag filters say of their names, and are never counted as images; prune
 * never deletes a fallback tag (`sha256-<hex>`) or a legacy tag whose subject is kept, and deletes them with it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReferrersSettings } from '../../src/config/types.js';
import { selectedTagNames } from '../../src/plan/tag-selection.js';
import { travellingLegacyTags } from '../../src/plan/legacy-cosign.js';
import { matchTagNames } from '../../src/plan/filters.js';
import { addReferrerChanges } from '../../src/plan/referrers.js';
import { spareAfterReferrers } from '../../src/plan/shared-digests.js';
import { changeDetails } from '../../src/render/plan-view.js';
import {
  actions,
  days,
  indexDigest,
  inventoryFor,
  manifestDigest,
  mirrorConfig,
  OCI_MANIFEST,
  NOW,
  planOf,
  skips,
} from '../helpers/inventory-builder.js';
import type { RepoBuilder } from '../helpers/inventory-builder.js';

const S = '127.0.0.1:5000/team';
const D = '127.0.0.1:5001/mirror';
const REFERRERS: ReferrersSettings = { artifactTypes: null, legacyCosignTags: true };
const NO_LEGACY: ReferrersSettings = { artifactTypes: null, legacyCosignTags: false };

/** The legacy tag of the image built from `content`, e.g. `sha256-<hex>.sig`. */
const legacy = (content: string, suffix: 'sig' | 'att' | 'sbom'): string =>
  `sha256-${manifestDigest(content).slice('sha256:'.length)}.${suffix}`;
/** The OCI 1.1 fallback tag of the image built from `content`. */
const fallback = (content: string): string => `sha256-${manifestDigest(content).slice('sha256:'.length)}`;
const ago = (n: number): string => new Date(NOW.getTime() - n * 86_400_000).toISOString();

describe('cosign legacy tags travel with their image', () => {
  /** v1 signed and attested, v2 signed, dev signed (dropped by include), and a signature of an untagged image. */
  function source(mirror: ReturnType<typeof mirrorConfig>) {
    return inventoryFor(mirror)
      .source('app1', (r) =>
        r
          .head('v1', 'one')
          .head('v2', 'two')
          .head('dev', 'dev')
          .head(legacy('one', 'sig'), 'sig-one')
          .head(legacy('one', 'att'), 'att-one')
          .head(legacy('two', 'sig'), 'sig-two')
          .head(legacy('dev', 'sig'), 'sig-dev'),
      )
      .build();
  }

  it("travel as creates targeting the legacy tag name, though include: ['^v'] drops the name; a dropped image's stay skipped", () => {
    const mirror = mirrorConfig({ referrers: REFERRERS, tags: { include: ['^v'] } });
    const { plan, problems } = planOf([mirror], [source(mirror)]);
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(plan), [
      `create missing-in-destination ${D}/app1:${legacy('one', 'att')}`,
      `create missing-in-destination ${D}/app1:${legacy('one', 'sig')}`,
      `create missing-in-destination ${D}/app1:${legacy('two', 'sig')}`,
      `create missing-in-destination ${D}/app1:v1`,
      `create missing-in-destination ${D}/app1:v2`,
    ]);
    assert.deepEqual(skips(plan), [`include ${S}/app1:dev`, `include ${S}/app1:${legacy('dev', 'sig')}`]);
    const sig = plan.changes.find((change) => change.target.tag === legacy('one', 'sig'))!;
    assert.equal(sig.source?.ref, `${S}/app1:${legacy('one', 'sig')}`);
    assert.equal(sig.source?.digest, manifestDigest('sig-one'));
    assert.equal(sig.id, `apps:${D}/app1:${legacy('one', 'sig')}`);
    // Copied as a tag, byte for byte.
    assert.deepEqual(sig.copy, { platforms: null });
    // The human plan says what it is, from its name alone.
    assert.match(changeDetails(sig), new RegExp(`, cosign signature of ${manifestDigest('one').slice(0, 15)}`));
    const att = plan.changes.find((change) => change.target.tag === legacy('one', 'att'))!;
    assert.match(changeDetails(att), /, cosign attestation of sha256:/);
    assert.doesNotMatch(changeDetails(plan.changes.find((change) => change.target.tag === 'v1')!), /cosign/);
  });

  it('with legacyCosignTags: false, or without referrers, the tag filters decide as before', () => {
    for (const referrers of [NO_LEGACY, null]) {
      const mirror = mirrorConfig({ referrers, tags: { include: ['^v'] } });
      const { plan } = planOf([mirror], [source(mirror)]);
      assert.deepEqual(actions(plan), [`create missing-in-destination ${D}/app1:v1`, `create missing-in-destination ${D}/app1:v2`]);
      assert.equal(plan.skipped.length, 5);
    }
  });

  it('update and noop like any tag: a re-signed image updates its .sig, an unchanged one is up to date', () => {
    const mirror = mirrorConfig({ referrers: REFERRERS, tags: { include: ['^v'] } });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) =>
        r.head('v1', 'one').head('v2', 'two').head(legacy('one', 'sig'), 'sig-one-b').head(legacy('two', 'sig'), 'sig-two'),
      )
      .destination('mirror/app1', (r) =>
        r.head('v1', 'one').head('v2', 'two').head(legacy('one', 'sig'), 'sig-one-a').head(legacy('two', 'sig'), 'sig-two'),
      )
      .build();
    assert.deepEqual(actions(planOf([mirror], [inventory]).plan), [
      `update content-differs ${D}/app1:${legacy('one', 'sig')}`,
      `noop up-to-date ${D}/app1:${legacy('two', 'sig')}`,
      `noop up-to-date ${D}/app1:v1`,
      `noop up-to-date ${D}/app1:v2`,
    ]);
  });

  it('are not counted by latest: N (a signature newer than every image takes no slot) and follow their subject out', () => {
    const inventoryOf = (mirror: ReturnType<typeof mirrorConfig>) =>
      inventoryFor(mirror)
        .source('app1', (r) =>
          r
            .image('v1', 'one', ago(30))
            .image('v2', 'two', ago(20))
            .image(legacy('one', 'sig'), 'sig-one', ago(1))
            .image(legacy('two', 'sig'), 'sig-two', ago(1)),
        )
        .build();
    const mirror = mirrorConfig({ referrers: REFERRERS, tags: { latest: 1 } });
    const { plan, problems } = planOf([mirror], [inventoryOf(mirror)]);
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(plan), [
      `create missing-in-destination ${D}/app1:${legacy('two', 'sig')}`,
      `create missing-in-destination ${D}/app1:v2`,
    ]);
    assert.deepEqual(skips(plan), [`subject ${S}/app1:${legacy('one', 'sig')}`, `latest ${S}/app1:v1`]);
    assert.match(plan.skipped[0]!.detail, /^a legacy cosign tag: its subject v1 is skipped \(latest: /);

    // Without referrers the signatures are images, and the newest one takes the only slot (what this fixes).
    const plain = mirrorConfig({ tags: { latest: 1 } });
    assert.equal(planOf([plain], [inventoryOf(plain)]).plan.changes.length, 1);
    assert.notEqual(planOf([plain], [inventoryOf(plain)]).plan.changes[0]!.target.tag, 'v2');
  });

  it('a legacy tag of an image that is no selected tag is skipped (filter subject); the name filters still come first', () => {
    const mirror = mirrorConfig({ referrers: REFERRERS, tags: { exclude: ['^dev$'] } });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) =>
        r.head('v1', 'one').head('dev', 'dev').head(legacy('untagged', 'sig'), 'sig-untagged').head(legacy('dev', 'sig'), 'sig-dev'),
      )
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(plan), [`create missing-in-destination ${D}/app1:v1`]);
    assert.deepEqual(
      plan.skipped.map((s) => `${s.filter} ${s.ref.split(':').at(-1)} ${s.detail}`).sort(),
      [
        `exclude dev matches exclude ^dev$`,
        // dev was not read (excluded by name): its signature's subject is known by digest only.
        `subject ${legacy('dev', 'sig')} a legacy cosign tag: its subject ${manifestDigest('dev').slice(0, 15)} is no tag the mirror reads`,
        `subject ${legacy('untagged', 'sig')} a legacy cosign tag: its subject ${manifestDigest('untagged').slice(0, 15)} is no tag the mirror reads`,
      ].sort(),
    );
    // Without referrers both signatures are ordinary tags, copied.
    const plain = mirrorConfig({ tags: { exclude: ['^dev$'] } });
    assert.equal(
      planOf(
        [plain],
        [
          inventoryFor(plain)
            .source('app1', (r) => r.head('v1', 'one').head(legacy('untagged', 'sig'), 'x'))
            .build(),
        ],
      ).plan.changes.length,
      2,
    );
  });

  it('a legacy tag listed but unread is a problem, and prune keeps its destination copy', () => {
    const mirror = mirrorConfig({ referrers: REFERRERS, prune: true, tags: { include: ['^v'] } });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.head('v1', 'one').listedOnly(legacy('one', 'sig')))
      .destination('mirror/app1', (r) => r.head('v1', 'one').head(legacy('one', 'sig'), 'sig-one'))
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(actions(plan), [`noop up-to-date ${D}/app1:v1`]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /app1:sha256-[0-9a-f]{64}\.sig: the tag was listed but could not be read/);
  });

  it('the selection the inventory reads by agrees: bound legacy tags are no images, travellingLegacyTags names them', () => {
    const mirror = mirrorConfig({ referrers: REFERRERS, tags: { latest: 1 } });
    const facts = inventoryFor(mirror)
      .source('app1', (r) => r.image('v1', 'one', ago(30)).image('v2', 'two', ago(20)).image(legacy('two', 'sig'), 'sig-two', ago(1)))
      .build().source.app1!;
    const kept = matchTagNames(mirror, facts.tags).kept;
    const selected = selectedTagNames(mirror, kept, facts.facts, NOW);
    assert.deepEqual(selected, ['v2']);
    assert.deepEqual(travellingLegacyTags(mirror, facts.tags, selected, facts.facts), [legacy('two', 'sig')]);
    assert.deepEqual(travellingLegacyTags({ ...mirror, referrers: NO_LEGACY }, facts.tags, selected, facts.facts), []);
    assert.deepEqual(selectedTagNames({ ...mirror, tags: { ...mirror.tags, latest: null, maxAge: days(100) } }, kept, facts.facts, NOW), [
      'v1',
      'v2',
    ]);
  });
});

describe('prune never breaks referrers', () => {
  /** The destination: v1 kept; old not selected; each with a fallback tag and a .sig; and a tag only shaped alike. */
  function destination(mirror: ReturnType<typeof mirrorConfig>) {
    return inventoryFor(mirror)
      .source('app1', (r) => r.head('v1', 'one').head('v2', 'two'))
      .destination('mirror/app1', (r) =>
        r
          .head('v1', 'one')
          .head('old', 'old')
          .head(fallback('one'), 'fallback-one', true)
          .head(legacy('one', 'sig'), 'sig-one')
          .head(fallback('old'), 'fallback-old', true)
          .head(legacy('old', 'sig'), 'sig-old')
          .head(legacy('two', 'att'), 'att-two') // v2 is created: its subject stays after apply
          .head(`${fallback('one')}.foo`, 'foo'),
      )
      .build();
  }

  it('keeps the fallback and legacy tags of a kept (or created) image, deletes those of a deleted one, in any pruning mirror', () => {
    for (const referrers of [null, REFERRERS]) {
      const mirror = mirrorConfig({ prune: true, referrers });
      const { plan, problems } = planOf([mirror], [destination(mirror)]);
      assert.deepEqual(problems, []);
      assert.deepEqual(
        actions(plan),
        [
          `delete not-in-selection ${D}/app1:${fallback('old')}`,
          `delete not-in-selection ${D}/app1:${legacy('old', 'sig')}`,
          `noop referrer-of-kept-tag ${D}/app1:${fallback('one')}`,
          `delete not-in-selection ${D}/app1:${fallback('one')}.foo`,
          `noop referrer-of-kept-tag ${D}/app1:${legacy('one', 'sig')}`,
          `noop referrer-of-kept-tag ${D}/app1:${legacy('two', 'att')}`,
          `delete not-in-selection ${D}/app1:old`,
          `noop up-to-date ${D}/app1:v1`,
          `create missing-in-destination ${D}/app1:v2`,
        ].sort(byTag),
      );
      const kept = plan.changes.find((change) => change.target.tag === fallback('one'))!;
      assert.equal(kept.source, null);
      assert.equal(kept.target.digest, indexDigest('fallback-one'));
    }
  });

  it('a subject another mirror keeps in the same destination repository keeps its referrer tags too', () => {
    const a = mirrorConfig({ name: 'a', prune: true, tags: { include: ['^v2$'] } });
    const b = mirrorConfig({ name: 'b', tags: { include: ['^v1$'] } });
    const dest = (r: RepoBuilder) =>
      r.head('v1', 'one').head(legacy('one', 'sig'), 'sig-one').head('stale', 'stale').head(fallback('stale'), 'fallback-stale', true);
    const src = (r: RepoBuilder) => r.head('v1', 'one').head('v2', 'two');
    const { plan } = planOf(
      [a, b],
      [
        inventoryFor(a).source('app1', src).destination('mirror/app1', dest).build(),
        inventoryFor(b).source('app1', src).destination('mirror/app1', dest).build(),
      ],
    );
    assert.deepEqual(
      actions(plan)
        .filter((line) => line.includes('sha256-'))
        .sort(),
      [`delete not-in-selection ${D}/app1:${fallback('stale')}`, `noop referrer-of-kept-tag ${D}/app1:${legacy('one', 'sig')}`],
    );
  });
});

describe('prune keeps the fallback tag of a referrer attached after planning', () => {
  it('spareAfterReferrers: the fallback tag of a signature the create copies becomes a noop, the summary follows', () => {
    const mirror = mirrorConfig({ prune: true, referrers: REFERRERS });
    const signature = manifestDigest('signature-of-two');
    const ofSignature = `sha256-${signature.slice('sha256:'.length)}`;
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.head('v2', 'two'))
      .destination('mirror/app1', (r) => r.head(ofSignature, 'attestations-of-signature', true))
      .build();
    const { plan } = planOf([mirror], [inventory]);
    // The planner alone cannot know the signature (referrers are listed at the source once the plan is decided).
    assert.deepEqual(actions(plan), [`delete not-in-selection ${D}/app1:${ofSignature}`, `create missing-in-destination ${D}/app1:v2`]);
    assert.equal(spareAfterReferrers(plan), plan, 'nothing to spare: the same plan');
    const create = plan.changes[1]!;
    const referrer = { subject: manifestDigest('two'), digest: signature, mediaType: OCI_MANIFEST, size: 10, artifactType: null };
    const withReferrer = addReferrerChanges(plan, {
      images: [{ image: create.id, referrers: [referrer], present: [], dropped: 0 }],
      listings: 1,
      failures: [],
    });
    const spared = spareAfterReferrers(withReferrer);
    assert.deepEqual(
      actions(spared).filter((line) => line.includes(ofSignature)),
      [`noop referrer-of-kept-tag ${D}/app1:${ofSignature}`],
    );
    assert.deepEqual(spared.summary, { create: 2, update: 0, delete: 0, noop: 1, skipped: 0 });
  });
});

/** Plan order: by the target tag (one repository here). */
function byTag(a: string, b: string): number {
  const tag = (line: string): string => line.slice(line.lastIndexOf(':') + 1);
  return tag(a) < tag(b) ? -1 : tag(a) > tag(b) ? 1 : 0;
}
