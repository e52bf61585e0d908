/**
 * The shapes third-party OCI layouts hold (issue 7, items 12 to 15), written by hand as small layouts of our own:
 * gathered by the real ocidir backend and planned, the plan lists every tag with its digest and media type,
 * and one odd repository is a warning, never the end of the plan.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { MirrorConfig } from '../../src/config/types.js';
import { openFactsCache } from '../../src/inventory/facts-cache.js';
import { gatherInventory } from '../../src/inventory/gather.js';
import { buildPlan } from '../../src/plan/diff.js';
import { inventorySelection } from '../../src/plan/tag-selection.js';
import { createOcidirRegistry } from '../../src/registry/ocidir/index.js';
import type { RegistryPool } from '../../src/registry/types.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { mirrorConfig } from '../helpers/inventory-builder.js';
import { blob, desc, json, tagged, writeLayout } from '../registry/ocidir-fixtures.js';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const EMPTY = blob('{}');

function image(platform: [string, string], label: string, declaredConfigSize?: number) {
  const config = json({ os: platform[0], architecture: platform[1], created: '2024-01-01T00:00:00Z', label });
  const layer = blob(`layer ${label}`);
  const manifest = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { ...desc(config, MEDIA_TYPES.ociConfig), size: declaredConfigSize ?? config.size },
    layers: [desc(layer, 'application/vnd.oci.image.layer.v1.tar+gzip')],
  });
  return { manifest, blobs: [config, layer, manifest] };
}

async function writeShapes(root: string) {
  const amd = image(['linux', 'amd64'], 'amd', 999); // the descriptor's config size is wrong: the digest counts
  const arm = image(['linux', 'arm64'], 'arm');
  const attestation = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: desc(EMPTY, MEDIA_TYPES.ociConfig),
    layers: [],
  });
  const buildx = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: [
      desc(amd.manifest, MEDIA_TYPES.ociManifest, { platform: { os: 'linux', architecture: 'amd64' } }),
      desc(arm.manifest, MEDIA_TYPES.ociManifest, { platform: { os: 'linux', architecture: 'arm64' } }),
      desc(attestation, MEDIA_TYPES.ociManifest, {
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: { 'vnd.docker.reference.digest': arm.manifest.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
      }),
    ],
  });
  const sbom = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    artifactType: 'application/example.sbom',
    config: desc(EMPTY, 'application/vnd.oci.empty.v1+json'),
    layers: [desc(EMPTY, 'application/vnd.oci.empty.v1+json')],
    subject: desc(buildx, MEDIA_TYPES.ociIndex),
  });
  const referrers = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: [desc(sbom, MEDIA_TYPES.ociManifest, { artifactType: 'application/example.sbom' })],
  });
  const noConfig = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    layers: [desc(EMPTY, 'application/vnd.oci.empty.v1+json')],
  });
  // A layer without a digest: no tool could copy it.
  const broken = json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, layers: [{ digest: 'none', size: 1 }] });
  const odd = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: [
      desc(noConfig, MEDIA_TYPES.ociManifest, { platform: { os: 'linux', architecture: 's390x' } }),
      desc(broken, MEDIA_TYPES.ociManifest, { platform: { os: 'linux', architecture: 'ppc64le' } }),
    ],
  });
  await writeLayout(root, 'shapes/app', [...amd.blobs, ...arm.blobs, EMPTY, attestation, buildx, sbom, referrers, noConfig, broken, odd], {
    schemaVersion: 2,
    manifests: [
      tagged(buildx, MEDIA_TYPES.ociIndex, 'v1'),
      tagged(amd.manifest, MEDIA_TYPES.ociManifest, 'amd'),
      tagged(sbom, MEDIA_TYPES.ociManifest, 'sbom'),
      tagged(referrers, MEDIA_TYPES.ociIndex, `sha256-${buildx.digest.slice(7)}`),
      tagged(odd, MEDIA_TYPES.ociIndex, 'odd'),
      tagged(arm.manifest, MEDIA_TYPES.ociManifest, 'twice'),
      tagged(amd.manifest, MEDIA_TYPES.ociManifest, 'twice'),
    ],
  });
  await writeLayout(root, 'shapes/emptied', [], { schemaVersion: 2, manifests: null });
  await writeLayout(root, 'shapes/untagged', amd.blobs, { schemaVersion: 2, manifests: [desc(amd.manifest, MEDIA_TYPES.ociManifest)] });
  return { amd, arm, buildx, sbom, referrers, odd };
}

const selection = inventorySelection(new Date('2026-01-01T00:00:00Z'));

async function planShapes(root: string, overrides: Partial<MirrorConfig> = {}) {
  const destination = await mkdtemp(join(tmpdir(), 'regsync-shapes-dst-'));
  dirs.push(destination);
  const mirror = mirrorConfig({
    name: 'corpus',
    source: { scheme: 'ocidir', path: root, prefix: '' },
    destination: { scheme: 'ocidir', path: destination, prefix: '' },
    ...overrides,
  });
  const registries = new Map<string, ReturnType<typeof createOcidirRegistry>>();
  const pool: RegistryPool = {
    get: (_scheme, location) => registries.get(location) ?? registries.set(location, createOcidirRegistry(location)).get(location)!,
    stats: () => ({ requests: 0, byHostAndMethod: {}, bytesDownloaded: 0, bytesUploaded: 0 }),
    close: () => Promise.resolve(),
  };
  const config = { version: 1 as const, file: null, registries: {}, mirrors: [mirror] };
  const cache = await openFactsCache({ dir: null });
  const inventory = await gatherInventory({ config, mirrors: [mirror], pool, selection, cache });
  const now = new Date('2026-01-01T00:00:00Z');
  return buildPlan({ config, inventory, now, regsyncVersion: '0', configDigest: 'sha256:0', stats: { requests: 0, durationMs: 0 } });
}

describe('planning third-party layout shapes (ocidir)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'regsync-shapes-'));
  dirs.push(root);
  const shapes = await writeShapes(root);

  it('without platforms: every tag, whole, with its digest and media type; odd repositories are warnings', async () => {
    const { plan, problems, warnings } = await planShapes(root);
    assert.deepEqual(problems, []);
    const listed = plan.changes.map((c) => [c.source?.tag, c.source?.digest, c.source?.mediaType, c.action, c.copy?.platforms]);
    const referrersTag = `sha256-${shapes.buildx.digest.slice(7)}`;
    assert.deepEqual(listed, [
      ['amd', shapes.amd.manifest.digest, MEDIA_TYPES.ociManifest, 'create', null],
      ['odd', shapes.odd.digest, MEDIA_TYPES.ociIndex, 'create', null],
      ['sbom', shapes.sbom.digest, MEDIA_TYPES.ociManifest, 'create', null],
      [referrersTag, shapes.referrers.digest, MEDIA_TYPES.ociIndex, 'create', null],
      ['twice', shapes.arm.manifest.digest, MEDIA_TYPES.ociManifest, 'create', null],
      ['v1', shapes.buildx.digest, MEDIA_TYPES.ociIndex, 'create', null],
    ]);
    const byTag = new Map(plan.changes.map((c) => [c.source?.tag, c]));
    assert.deepEqual(byTag.get('v1')?.source?.platforms, ['linux/amd64', 'linux/arm64'], 'the attestation is no platform');
    assert.deepEqual(byTag.get('sbom')?.source?.platforms, []);
    assert.equal(byTag.get('sbom')?.source?.artifactType, 'application/example.sbom');
    // A manifest without a config (an artifact of layers only) is content like any other; only the broken child warns.
    assert.equal(byTag.get('odd')?.warnings?.length, 1, byTag.get('odd')?.warnings?.join('\n'));
    assert.match(byTag.get('odd')?.warnings?.[0] ?? '', /layers\[0\]\.digest is not a sha256 digest/);
    assert.doesNotMatch(byTag.get('odd')?.warnings?.[0] ?? '', /not found/);
    assert.deepEqual(warnings, [
      `mirror corpus: ocidir://${root}/shapes/app: index.json names tag twice 2 times (${shapes.arm.manifest.digest}, ${shapes.amd.manifest.digest}); it resolves to the first, ${shapes.arm.manifest.digest}, as containers/image reads it`,
      `mirror corpus: ocidir://${root}/shapes/emptied has no tags, so nothing is copied from it`,
      `mirror corpus: ocidir://${root}/shapes/untagged has no tags, so nothing is copied from it`,
    ]);
  });

  it('with platforms: the subset keeps the attestation of its child; tags that cannot serve it are skipped as platform', async () => {
    const { plan, problems } = await planShapes(root, { platforms: ['linux/arm64'] });
    assert.deepEqual(problems, []);
    const copies = Object.fromEntries(plan.changes.map((c) => [c.source?.tag, c.copy?.platforms]));
    const referrersTag = `sha256-${shapes.buildx.digest.slice(7)}`;
    assert.deepEqual(copies, { v1: ['linux/arm64'], sbom: null, [referrersTag]: null, twice: null });
    assert.deepEqual(
      plan.skipped.map((s) => `${s.filter} ${s.ref.slice(root.length + 10)}: ${s.detail}`),
      [
        'platform shapes/app:amd: the image is linux/amd64, not linux/arm64',
        'platform shapes/app:odd: the index has none of linux/arm64 (it has linux/s390x, linux/ppc64le)',
      ],
    );
  });
});
