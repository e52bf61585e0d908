import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOcidirRegistry } from '../../src/registry/ocidir/index.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { makeTempDir } from '../harness/temp.js';
import { blob, desc, imageManifest, json, tagged, writeLayout } from './ocidir-fixtures.js';
import type { FixtureBlob } from './ocidir-fixtures.js';

// Issue 16: referrers in an OCI layout (ocidir:// source): manifests whose subject names the image, whether
// index.json lists them or they sit only in blobs/ (as oras and cosign leave them), and the fallback tag's entries.

const EMPTY = blob('{}');

function artifact(subject: FixtureBlob & { mediaType: string }, artifactType: string, content: string) {
  const payload = blob(content);
  const manifest = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    artifactType,
    config: desc(EMPTY, 'application/vnd.oci.empty.v1+json'),
    layers: [desc(payload, 'application/octet-stream')],
    subject: desc(subject, subject.mediaType),
  });
  return { manifest: { ...manifest, mediaType: MEDIA_TYPES.ociManifest }, payload };
}

test('ocidir: referrers from blobs/, from index.json and from the fallback tag; filtered by artifactType; others ignored', async () => {
  const root = await makeTempDir('ocidir-referrers');
  const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const layer = blob('layer');
  const image = imageManifest(config, [layer]);
  const other = imageManifest(config, [layer, blob('other')]);
  const signature = artifact(image, 'application/vnd.dev.cosign.artifact.sig.v1+json', 'sig');
  const sbom = artifact(image, 'application/spdx+json', 'sbom');
  const attestation = artifact(image, 'application/vnd.in-toto+json', 'att');
  const unrelated = artifact(other, 'application/vnd.dev.cosign.artifact.sig.v1+json', 'other-sig');
  const fallback = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: [desc(attestation.manifest, MEDIA_TYPES.ociManifest, { artifactType: 'application/vnd.in-toto+json' })],
  });
  const parts = [signature, sbom, attestation, unrelated];
  await writeLayout(
    root,
    'team/app',
    [config, layer, blob('other'), EMPTY, image, other, fallback, ...parts.flatMap((p) => [p.manifest, p.payload])],
    {
      schemaVersion: 2,
      manifests: [
        tagged(image, MEDIA_TYPES.ociManifest, 'v1'),
        desc(sbom.manifest, MEDIA_TYPES.ociManifest),
        tagged(fallback, MEDIA_TYPES.ociIndex, image.digest.replace(':', '-')),
      ],
    },
  );
  const store = createOcidirRegistry(root);
  const listing = await store.listReferrers('team/app', image.digest);
  assert.equal(listing.source, 'layout');
  assert.deepEqual(listing.referrers.map((r) => r.digest).sort(), [signature, sbom, attestation].map((p) => p.manifest.digest).sort());
  assert.equal(
    listing.referrers.find((r) => r.digest === signature.manifest.digest)?.artifactType,
    'application/vnd.dev.cosign.artifact.sig.v1+json',
  );
  const sboms = await store.listReferrers('team/app', image.digest, { artifactType: 'application/spdx+json' });
  assert.deepEqual(
    sboms.referrers.map((r) => r.digest),
    [sbom.manifest.digest],
  );
  assert.deepEqual((await store.listReferrers('team/missing', image.digest)).referrers, []);
});
