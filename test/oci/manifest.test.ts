import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MEDIA_TYPES, parseManifest } from '../../src/oci/index.js';

// Referrers (signatures, SBOMs) name the manifest they are about in `subject`: parsing keeps it, with the
// artifactType and annotations beside it.
const d = (c: string): string => `sha256:${c.repeat(64)}`;
const subject = { mediaType: MEDIA_TYPES.ociManifest, digest: d('a'), size: 512 };
const bytes = (document: object): Buffer => Buffer.from(JSON.stringify(document));

test('an image manifest keeps subject, artifactType and annotations', () => {
  const manifest = parseManifest(
    bytes({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType: 'application/vnd.example.sbom',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: d('c'), size: 2 },
      layers: [{ mediaType: 'application/spdx+json', digest: d('d'), size: 10 }],
      subject,
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    }),
    null,
    'probe',
  );
  assert.equal(manifest.kind, 'manifest');
  assert.deepEqual(manifest.subject, subject);
  assert.equal(manifest.artifactType, 'application/vnd.example.sbom');
  assert.deepEqual(manifest.annotations, { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' });
});

test('an index keeps its subject', () => {
  const index = parseManifest(bytes({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [], subject }), null, 'probe');
  assert.equal(index.kind, 'index');
  assert.deepEqual(index.subject, subject);
});

test('a manifest without subject has none, and a malformed subject is refused', () => {
  const plain = parseManifest(bytes({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] }), null, 'probe');
  assert.equal('subject' in plain, false);
  assert.throws(
    () =>
      parseManifest(bytes({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [], subject: { digest: 'x' } }), null, 'probe'),
    /subject\.digest is not a sha256 digest/,
  );
});

// The copy pushes a body that names no mediaType as the OCI type of its shape (registry/copy.ts): the parser says
// whether the body named one, so the bytes are not parsed a second time to find out.
test('declaresMediaType: true only when the body itself names a mediaType, whatever the Content-Type', () => {
  const layers = [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: d('d'), size: 10 }];
  const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('c'), size: 2 };
  const named = parseManifest(bytes({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers }), null, 'named');
  const unnamed = parseManifest(bytes({ schemaVersion: 2, config, layers }), MEDIA_TYPES.dockerManifest, 'unnamed');
  const unnamedIndex = parseManifest(bytes({ schemaVersion: 2, manifests: [] }), MEDIA_TYPES.dockerManifestList, 'unnamed-index');
  assert.equal(named.declaresMediaType, true);
  assert.equal(unnamed.declaresMediaType, false);
  assert.equal(unnamed.mediaType, MEDIA_TYPES.dockerManifest, 'the Content-Type still gives the media type');
  assert.equal(unnamedIndex.kind, 'index');
  assert.equal(unnamedIndex.declaresMediaType, false);
});
