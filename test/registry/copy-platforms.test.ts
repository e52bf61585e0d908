import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectPlatforms } from '../../src/registry/copy-platforms.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import type { FetchedManifest } from '../../src/registry/types.js';
import { selectPlatformChildren } from '../../src/oci/platforms.js';
import { blob } from './ocidir-fixtures.js';

const digest = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const child = (n: number, platform?: [string, string], annotations?: Record<string, string>) => ({
  mediaType: MEDIA_TYPES.ociManifest,
  digest: digest(n),
  size: 100,
  ...(platform ? { platform: { os: platform[0], architecture: platform[1] } } : {}),
  ...(annotations ? { annotations } : {}),
});
const attests = (n: number) => ({ 'vnd.docker.reference.digest': digest(n), 'vnd.docker.reference.type': 'attestation-manifest' });

function fetched(manifests: unknown[]): FetchedManifest {
  const bytes = blob(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }));
  return {
    bytes: bytes.bytes,
    descriptor: { mediaType: MEDIA_TYPES.ociIndex, digest: bytes.digest, size: bytes.size },
    manifest: parseManifest(bytes.bytes, null, 'x'),
  };
}

const kept = (result: FetchedManifest): string[] =>
  result.manifest.kind === 'index' ? result.manifest.manifests.map((m) => m.digest) : [];

describe('selectPlatforms (the registry copy) follows the planner rule', () => {
  const buildx = [
    child(1, ['linux', 'amd64']),
    child(2, ['linux', 'arm64']),
    child(3, ['unknown', 'unknown'], attests(1)),
    child(4, ['unknown', 'unknown'], attests(2)),
  ];

  it('keeps an attestation exactly when the child it describes is kept', () => {
    assert.deepEqual(kept(selectPlatforms(fetched(buildx), ['linux/arm64'], 'x')), [digest(2), digest(4)]);
    assert.deepEqual(kept(selectPlatforms(fetched(buildx), ['linux/amd64'], 'x')), [digest(1), digest(3)]);
  });

  it('every child kept, or no child declaring a platform: the source bytes, same digest', () => {
    const all = fetched(buildx);
    assert.equal(selectPlatforms(all, ['linux/amd64', 'linux/arm64'], 'x'), all);
    const referrers = fetched([child(5), child(6)]);
    assert.equal(selectPlatforms(referrers, ['linux/amd64'], 'x'), referrers);
    const empty = fetched([]);
    assert.equal(selectPlatforms(empty, ['linux/amd64'], 'x'), empty);
  });

  it('children declaring platforms, none wanted: an error naming what the index has', () => {
    assert.throws(
      () => selectPlatforms(fetched(buildx), ['linux/s390x'], 'r:v1'),
      /r:v1 has none of the platforms linux\/s390x \(it has linux\/amd64, linux\/arm64\)/,
    );
  });

  it('the planner and the copy share one rule (selectPlatformChildren)', () => {
    const children = [
      { digest: digest(1), platform: 'linux/arm/v7', describes: null },
      { digest: digest(2), platform: null, describes: null },
      { digest: digest(3), platform: 'unknown/unknown', describes: null },
      { digest: digest(4), platform: 'unknown/unknown', describes: digest(1) },
    ];
    assert.deepEqual(selectPlatformChildren(children, ['linux/arm']), { kind: 'subset', keep: [true, false, false, true] });
    assert.deepEqual(selectPlatformChildren(children, ['linux/amd64']), { kind: 'none', available: ['linux/arm/v7'] });
    assert.deepEqual(selectPlatformChildren(children.slice(1, 3), ['linux/amd64']), { kind: 'whole' });
  });
});
