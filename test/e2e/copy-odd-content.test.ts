/**
 * Content that breaks a rule its digest does not cover is copied as it is, with a warning (shapes found in
 * third-party OCI layouts): a config descriptor whose size is not the blob's, and an index whose body names no
 * mediaType while its descriptor says Docker manifest list (Distribution takes it only as an OCI index).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, it } from 'node:test';
import type { CopyProgressEvent } from '../../src/registry/copy.js';
import { copyImage } from '../../src/registry/copy.js';
import { createOcidirRegistry } from '../../src/registry/ocidir/index.js';
import { createRegistryPool } from '../../src/registry/pool.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { buildPlatformImage, sha256 } from '../harness/image-build.js';
import { rawManifest } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';

let target: RegistryInstance;
before(async () => {
  await ensureTools();
  target = await startRegistry();
});
after(() => target?.stop());

it('copies a wrong descriptor size and a mediaType-less "Docker" index byte for byte, warning about each', async () => {
  const dir = await makeTempDir('odd-content');
  const layout = createOcidirRegistry(dir);
  const image = buildPlatformImage({
    format: 'oci',
    platform: 'linux/amd64',
    created: '2024-01-01T00:00:00Z',
    content: 'odd',
    layers: 1,
    layerSize: 64,
  });
  for (const blob of [image.config, ...image.layers])
    await layout.uploadBlob('odd', blob.digest, blob.bytes.length, Readable.from([blob.bytes]));
  const manifest = JSON.parse(image.bytes.toString()) as { config: { size: number } };
  manifest.config.size += 101;
  const sized = Buffer.from(JSON.stringify(manifest));
  await layout.putManifest('odd', sha256(sized), sized, MEDIA_TYPES.ociManifest);
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MEDIA_TYPES.ociManifest, digest: sha256(sized), size: sized.length }] }),
  );
  await layout.putManifest('odd', 'v1', index, MEDIA_TYPES.dockerManifestList);

  const pool = createRegistryPool({ hosts: {}, dockerConfigDir: await makeTempDir('dockercfg'), createOcidir: createOcidirRegistry });
  const events: CopyProgressEvent[] = [];
  const result = await copyImage({
    source: pool.get('ocidir', dir),
    sourceRepository: 'odd',
    sourceReference: 'v1',
    target: pool.get('registry', target.host),
    targetRepository: 'mirror/odd',
    targetTag: 'v1',
    onProgress: (event) => events.push(event),
  });
  await pool.close();
  assert.equal(result.digest, sha256(index));
  const copied = await rawManifest(target, 'mirror/odd', 'v1');
  assert.deepEqual(copied?.bytes, index);
  assert.equal(copied?.mediaType, MEDIA_TYPES.ociIndex);
  assert.deepEqual((await rawManifest(target, 'mirror/odd', sha256(sized)))?.bytes, sized);
  const warnings = events.flatMap((event) => (event.type === 'warning' ? [event.message] : []));
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.ok(
    warnings.some((line) =>
      line.includes(`has ${image.config.bytes.length} bytes, its descriptor says ${image.config.bytes.length + 101}`),
    ),
  );
  assert.ok(
    warnings.some((line) =>
      line.includes(`described as ${MEDIA_TYPES.dockerManifestList} but its body names no mediaType: pushed as ${MEDIA_TYPES.ociIndex}`),
    ),
  );
});
