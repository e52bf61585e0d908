import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { copyImage } from '../../src/registry/copy.js';
import type { CopyProgressEvent } from '../../src/registry/copy.js';
import { CopyShares } from '../../src/registry/copy-shares.js';
import { createOcidirRegistry } from '../../src/registry/ocidir/index.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import type { Registry } from '../../src/registry/types.js';
import { isRegsyncError } from '../../src/util/errors.js';
import { makeTempDir } from '../harness/temp.js';
import { blob, imageManifest, indexManifest, streamOf } from './ocidir-fixtures.js';

const layerShared = blob(Buffer.alloc(64 * 1024, 's'));

function platformImage(arch: string, mediaType: string = MEDIA_TYPES.ociManifest) {
  const config = blob(JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const own = blob(`layer for ${arch}`);
  return { config, layers: [layerShared, own], manifest: imageManifest(config, [layerShared, own], mediaType) };
}

async function seedIndex(registry: Registry, repository: string, tag: string) {
  const images = [platformImage('amd64'), platformImage('arm64')];
  for (const image of images) {
    for (const b of [image.config, ...image.layers]) await registry.uploadBlob(repository, b.digest, b.size, streamOf(b.bytes, 4096));
    await registry.putManifest(repository, image.manifest.digest, image.manifest.bytes, image.manifest.mediaType);
  }
  const index = indexManifest([
    { manifest: images[0]!.manifest, os: 'linux', architecture: 'amd64' },
    { manifest: images[1]!.manifest, os: 'linux', architecture: 'arm64' },
  ]);
  await registry.putManifest(repository, tag, index.bytes, index.mediaType);
  return { images, index };
}

async function stores() {
  return { source: createOcidirRegistry(await makeTempDir('copy-src')), target: createOcidirRegistry(await makeTempDir('copy-dst')) };
}

describe('copyImage', () => {
  it('copies an index with its children byte for byte, then moves nothing the second time', async () => {
    const { source, target } = await stores();
    const { images, index } = await seedIndex(source, 'app', 'v1');
    const events: CopyProgressEvent[] = [];
    const first = await copyImage({
      source,
      sourceRepository: 'app',
      sourceReference: 'v1',
      target,
      targetRepository: 'mirror/app',
      targetTag: 'v1',
      onProgress: (e) => events.push(e),
    });
    assert.equal(first.digest, index.digest);
    assert.equal(first.mediaType, MEDIA_TYPES.ociIndex);
    assert.equal(first.blobsCopied, 5, 'two configs, two own layers, one shared layer');
    assert.equal(first.blobsSkipped, 1, 'the second child finds the shared layer there or in flight');
    assert.equal(first.blobsMounted, 0);
    const allBlobs = [...new Map(images.flatMap((i) => [i.config, ...i.layers]).map((b) => [b.digest, b])).values()];
    assert.equal(
      first.bytesCopied,
      allBlobs.reduce((sum, b) => sum + b.size, 0),
    );
    assert.deepEqual((await target.getManifest('mirror/app', 'v1')).bytes, index.bytes);
    for (const image of images)
      assert.deepEqual((await target.getManifest('mirror/app', image.manifest.digest)).bytes, image.manifest.bytes);
    // The tag is the last thing written.
    const last = events.at(-1);
    assert.ok(last?.type === 'manifest' && last.reference === 'v1');

    const uploadedBefore = target.stats().bytesUploaded;
    const second = await copyImage({
      source,
      sourceRepository: 'app',
      sourceReference: 'v1',
      target,
      targetRepository: 'mirror/app',
      targetTag: 'v1',
    });
    assert.deepEqual(
      { ...second, digest: '' },
      { digest: '', mediaType: MEDIA_TYPES.ociIndex, blobsCopied: 0, blobsMounted: 0, blobsSkipped: 6, bytesCopied: 0 },
    );
    // Only the tagged index is PUT again; children already there are not rewritten.
    assert.equal(target.stats().bytesUploaded - uploadedBefore, index.size);
  });

  it('copies a Docker image by digest and keeps its media type', async () => {
    const { source, target } = await stores();
    const image = platformImage('amd64', MEDIA_TYPES.dockerManifest);
    for (const b of [image.config, ...image.layers]) await source.uploadBlob('app', b.digest, b.size, streamOf(b.bytes));
    await source.putManifest('app', 'latest', image.manifest.bytes, image.manifest.mediaType);
    const result = await copyImage({
      source,
      sourceRepository: 'app',
      sourceReference: image.manifest.digest,
      target,
      targetRepository: 'app',
      targetTag: 'copied',
    });
    assert.equal(result.digest, image.manifest.digest);
    assert.equal(result.mediaType, MEDIA_TYPES.dockerManifest);
    assert.deepEqual(await target.headManifest('app', 'copied'), {
      mediaType: MEDIA_TYPES.dockerManifest,
      digest: image.manifest.digest,
      size: image.manifest.size,
    });
  });

  it('with platforms, writes a new index listing only those children', async () => {
    const { source, target } = await stores();
    const { images, index } = await seedIndex(source, 'app', 'v1');
    const result = await copyImage({
      source,
      sourceRepository: 'app',
      sourceReference: 'v1',
      target,
      targetRepository: 'app',
      targetTag: 'v1',
      platforms: ['linux/arm64'],
    });
    assert.notEqual(result.digest, index.digest);
    const copied = await target.getManifest('app', 'v1');
    assert.equal(copied.descriptor.digest, result.digest);
    assert.equal(copied.manifest.kind, 'index');
    assert.equal(copied.descriptor.mediaType, MEDIA_TYPES.ociIndex);
    assert.deepEqual(copied.manifest.kind === 'index' && copied.manifest.manifests.map((m) => m.digest), [images[1]!.manifest.digest]);
    assert.equal(await target.headManifest('app', images[0]!.manifest.digest), null);
    assert.equal(await target.headBlob('app', images[0]!.config.digest), null);

    const all = await copyImage({
      source,
      sourceRepository: 'app',
      sourceReference: 'v1',
      target,
      targetRepository: 'app',
      targetTag: 'all',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    assert.equal(all.digest, index.digest, 'keeping every platform keeps the source bytes');
    await assert.rejects(
      copyImage({
        source,
        sourceRepository: 'app',
        sourceReference: 'v1',
        target,
        targetRepository: 'app',
        targetTag: 'none',
        platforms: ['windows/amd64'],
      }),
      (error: unknown) => isRegsyncError(error) && error.code === 'NOT_FOUND' && /linux\/amd64, linux\/arm64/.test(error.message),
    );
    assert.equal(await target.headManifest('app', 'none'), null);
  });

  /** A target that counts uploads of one blob running at once (and waits a little in each, so they would overlap). */
  function watchUploads(target: Registry) {
    const active = new Map<string, number>();
    const seen = { overlap: 0 };
    const watched: Registry = Object.assign(Object.create(target) as Registry, {
      name: target.name,
      async uploadBlob(repository: string, digest: string, size: number, body: Readable) {
        const now = (active.get(digest) ?? 0) + 1;
        active.set(digest, now);
        if (now > 1) seen.overlap += 1;
        try {
          await new Promise((resolve) => setTimeout(resolve, 20));
          await target.uploadBlob(repository, digest, size, body);
        } finally {
          active.set(digest, (active.get(digest) ?? 1) - 1);
        }
      },
    });
    return { watched, seen };
  }

  it('shares an in-flight upload between concurrent copies of one run into one repository', async () => {
    const { source, target } = await stores();
    const shares = new CopyShares();
    await seedIndex(source, 'app', 'v1');
    const tags = ['a', 'b', 'c', 'd', 'e', 'f'];
    const { watched, seen } = watchUploads(target);
    const results = await Promise.all(
      tags.map((tag) =>
        copyImage({
          source,
          sourceRepository: 'app',
          sourceReference: 'v1',
          target: watched,
          targetRepository: 'app',
          targetTag: tag,
          shares,
        }),
      ),
    );
    assert.equal(seen.overlap, 0, 'no blob was uploaded twice at once');
    assert.equal(
      results.reduce((sum, r) => sum + r.blobsCopied, 0),
      5,
      'each blob moved exactly once',
    );
    assert.deepEqual(await target.listTags('app'), tags);
  });

  it('two runs share no in-flight copy: each run moves the blobs itself, and nothing stays behind', async () => {
    const { source, target } = await stores();
    await seedIndex(source, 'app', 'v1');
    const runs = [new CopyShares(), new CopyShares()];
    const { watched } = watchUploads(target);
    const results = await Promise.all(
      runs.map((shares, i) =>
        copyImage({
          source,
          sourceRepository: 'app',
          sourceReference: 'v1',
          target: watched,
          targetRepository: 'app',
          targetTag: `run${i}`,
          shares,
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.blobsCopied),
      [5, 5],
      "neither run waited on the other run's transfers",
    );
    for (const shares of runs) assert.deepEqual([shares.blobs.size, shares.children.size, shares.tagPuts.size], [0, 0, 0]);
  });

  it('retries a blob whose source stream dies, restarting from its first byte', async () => {
    const { source, target } = await stores();
    const { index } = await seedIndex(source, 'app', 'v1');
    let failures = 0;
    const flaky: Registry = Object.assign(Object.create(source) as Registry, {
      name: source.name,
      async getBlob(repository: string, digest: string) {
        const real = await source.getBlob(repository, digest);
        if (digest !== layerShared.digest || failures > 0) return real;
        failures += 1;
        real.stream.destroy();
        let sent = false;
        const dying = new Readable({
          read() {
            if (!sent) {
              sent = true;
              this.push(layerShared.bytes.subarray(0, 1000));
            } else this.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
          },
        });
        return { size: real.size, stream: dying };
      },
    });
    const events: CopyProgressEvent[] = [];
    const result = await copyImage({
      source: flaky,
      sourceRepository: 'app',
      sourceReference: 'v1',
      target,
      targetRepository: 'app',
      targetTag: 'v1',
      onProgress: (e) => events.push(e),
    });
    assert.equal(failures, 1);
    assert.equal(result.digest, index.digest);
    assert.ok(events.some((e) => e.type === 'retry' && e.digest === layerShared.digest));
    assert.deepEqual(await target.getBlobBytes('app', layerShared.digest), layerShared.bytes);
  });

  it('refuses a source manifest whose bytes do not match its digest and leaves no tag', async () => {
    const { source, target } = await stores();
    const { images } = await seedIndex(source, 'app', 'v1');
    const lying: Registry = Object.assign(Object.create(source) as Registry, {
      name: source.name,
      async getManifest(repository: string, reference: string) {
        const real = await source.getManifest(repository, reference);
        if (reference !== images[1]!.manifest.digest) return real;
        return { ...real, bytes: Buffer.concat([real.bytes, Buffer.from(' ')]) };
      },
    });
    await assert.rejects(
      copyImage({ source: lying, sourceRepository: 'app', sourceReference: 'v1', target, targetRepository: 'app', targetTag: 'v1' }),
      (error: unknown) => isRegsyncError(error) && error.code === 'DIGEST_MISMATCH' && error.message.includes(images[1]!.manifest.digest),
    );
    assert.deepEqual(await target.listTags('app'), []);
  });
});
