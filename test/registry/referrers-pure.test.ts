import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fallbackTag, filterReferrers, referrerDescriptors } from '../../src/registry/referrers.js';

// Issue 16: what a referrers answer or a fallback index holds, on recorded bodies.

const d = (c: string) => `sha256:${c.repeat(64)}`;

test('an image index answer: descriptors with artifactType and annotations; anything else is no listing', () => {
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: d('a'),
          size: 10,
          artifactType: 'x/sig',
          annotations: { k: 'v' },
        },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('b'), size: 11 },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'latest', size: 1 },
      ],
    }),
  );
  assert.deepEqual(referrerDescriptors(body), [
    { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('a'), size: 10, artifactType: 'x/sig', annotations: { k: 'v' } },
    { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('b'), size: 11, artifactType: null },
  ]);
  // Recorded non-answers: an HTML page, an image manifest, a Docker manifest list, an errors document.
  assert.equal(referrerDescriptors(Buffer.from('<html>ui</html>')), null);
  assert.equal(
    referrerDescriptors(Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}')),
    null,
  );
  assert.equal(
    referrerDescriptors(Buffer.from('{"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}')),
    null,
  );
  assert.equal(referrerDescriptors(Buffer.from('{"errors":[{"code":"NAME_UNKNOWN"}]}')), null);
});

test('filterReferrers keeps one artifact type and each digest once; fallbackTag names the tag', () => {
  const list = [
    { mediaType: 'm', digest: d('a'), size: 1, artifactType: 'x/sig' },
    { mediaType: 'm', digest: d('b'), size: 1, artifactType: 'x/sbom' },
    { mediaType: 'm', digest: d('a'), size: 1, artifactType: 'x/sig' },
  ];
  assert.deepEqual(
    filterReferrers(list, undefined).map((r) => r.digest),
    [d('a'), d('b')],
  );
  assert.deepEqual(
    filterReferrers(list, 'x/sbom').map((r) => r.digest),
    [d('b')],
  );
  assert.equal(fallbackTag(d('c')), `sha256-${'c'.repeat(64)}`);
  assert.throws(() => fallbackTag('latest'));
});
