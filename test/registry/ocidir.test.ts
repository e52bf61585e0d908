import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createOcidirRegistry } from '../../src/registry/ocidir/index.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import type { Registry } from '../../src/registry/types.js';
import { isRegsyncError } from '../../src/util/errors.js';
import { makeTempDir } from '../harness/temp.js';
import { blob, imageManifest, indexManifest, streamOf } from './ocidir-fixtures.js';

const config = blob(
  JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2024-01-02T03:04:05Z', rootfs: { type: 'layers', diff_ids: [] } }),
);
const layer = blob(Buffer.alloc(100_000, 'x'));

async function storeImage(registry: Registry, repository: string, tag: string, mediaType: string = MEDIA_TYPES.ociManifest) {
  await registry.uploadBlob(repository, config.digest, config.size, streamOf(config.bytes));
  await registry.uploadBlob(repository, layer.digest, layer.size, streamOf(layer.bytes, 4096));
  const manifest = imageManifest(config, [layer], mediaType);
  const digest = await registry.putManifest(repository, tag, manifest.bytes, manifest.mediaType);
  return { manifest, digest };
}

function rejectsWith(code: string) {
  return (error: unknown) => {
    assert.ok(isRegsyncError(error), `expected a RegsyncError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('ocidir registry', () => {
  it('stores an image as an OCI layout and reads it back by tag and by digest', async () => {
    const root = await makeTempDir('ocidir');
    const registry = createOcidirRegistry(root);
    const { manifest, digest } = await storeImage(registry, 'team/app1', 'v1');
    assert.equal(digest, manifest.digest);

    const repoDir = path.join(root, 'team', 'app1');
    assert.deepEqual(JSON.parse(await readFile(path.join(repoDir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(await readFile(path.join(repoDir, 'index.json'), 'utf8'));
    assert.equal(index.schemaVersion, 2);
    assert.deepEqual(index.manifests, [
      { mediaType: MEDIA_TYPES.ociManifest, digest, size: manifest.size, annotations: { 'org.opencontainers.image.ref.name': 'v1' } },
    ]);
    assert.deepEqual(await readFile(path.join(repoDir, 'blobs', 'sha256', digest.slice(7))), manifest.bytes);
    assert.deepEqual(await readFile(path.join(repoDir, 'blobs', 'sha256', layer.digest.slice(7))), layer.bytes);

    for (const reference of ['v1', digest]) {
      const fetched = await registry.getManifest('team/app1', reference);
      assert.deepEqual(fetched.bytes, manifest.bytes);
      assert.deepEqual(fetched.descriptor, { mediaType: MEDIA_TYPES.ociManifest, digest, size: manifest.size });
      assert.equal(fetched.manifest.kind, 'manifest');
      assert.deepEqual(await registry.headManifest('team/app1', reference), fetched.descriptor);
    }
    assert.equal(await registry.headManifest('team/app1', 'v2'), null);
    assert.equal(await registry.headManifest('other', 'v1'), null);
    await assert.rejects(registry.getManifest('team/app1', 'v2'), rejectsWith('NOT_FOUND'));
    // A layer digest is a blob, not a manifest.
    assert.equal(await registry.headManifest('team/app1', layer.digest), null);
  });

  it('keeps Docker media types and serves blobs streamed and verified', async () => {
    const registry = createOcidirRegistry(await makeTempDir('ocidir'));
    const { digest } = await storeImage(registry, 'app', 'latest', MEDIA_TYPES.dockerManifest);
    assert.equal((await registry.headManifest('app', 'latest'))?.mediaType, MEDIA_TYPES.dockerManifest);
    assert.equal((await registry.headManifest('app', digest))?.mediaType, MEDIA_TYPES.dockerManifest);

    assert.deepEqual(await registry.headBlob('app', layer.digest), {
      mediaType: 'application/octet-stream',
      digest: layer.digest,
      size: layer.size,
    });
    assert.equal(await registry.headBlob('app', blob('nope').digest), null);
    const { size, stream } = await registry.getBlob('app', layer.digest);
    assert.equal(size, layer.size);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(chunks), layer.bytes);
    assert.deepEqual(await registry.getBlobBytes('app', config.digest), config.bytes);
    await assert.rejects(registry.getBlob('app', blob('nope').digest), rejectsWith('NOT_FOUND'));
  });

  it('lists nested repositories and their tags; retagging replaces the descriptor', async () => {
    const root = await makeTempDir('ocidir');
    const registry = createOcidirRegistry(root);
    assert.deepEqual(await registry.listRepositories(), []);
    assert.deepEqual(await registry.listTags('app'), []);
    await storeImage(registry, 'app', 'v1');
    await storeImage(registry, 'team/app1', 'v1');
    await storeImage(registry, 'team/app1', 'v2');
    await storeImage(registry, 'team/deep/app2', 'latest');
    await mkdir(path.join(root, 'not-a-repo', 'empty'), { recursive: true });
    assert.deepEqual(await registry.listRepositories(), ['app', 'team/app1', 'team/deep/app2']);
    assert.deepEqual(await registry.listTags('team/app1'), ['v1', 'v2']);

    const other = blob(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    await registry.uploadBlob('team/app1', other.digest, other.size, streamOf(other.bytes));
    const retagged = imageManifest(other, [layer]);
    await registry.putManifest('team/app1', 'v1', retagged.bytes, retagged.mediaType);
    assert.deepEqual(await registry.listTags('team/app1'), ['v1', 'v2']);
    assert.equal((await registry.headManifest('team/app1', 'v1'))?.digest, retagged.digest);
    const index = JSON.parse(await readFile(path.join(root, 'team', 'app1', 'index.json'), 'utf8'));
    assert.equal(index.manifests.length, 2);
  });

  it('concurrent tag writes into one repository all land in index.json', async () => {
    const registry = createOcidirRegistry(await makeTempDir('ocidir'));
    await storeImage(registry, 'app', 'base');
    const manifest = imageManifest(config, [layer]);
    const tags = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    await Promise.all(tags.map((tag) => registry.putManifest('app', tag, manifest.bytes, manifest.mediaType)));
    assert.deepEqual(await registry.listTags('app'), ['base', ...tags]);
  });

  it('stores an index and its children; children are reachable by digest only', async () => {
    const registry = createOcidirRegistry(await makeTempDir('ocidir'));
    await storeImage(registry, 'multi', 'amd64-only');
    const child = imageManifest(config, [layer]);
    const index = indexManifest([{ manifest: child, os: 'linux', architecture: 'amd64' }]);
    const missingChild = indexManifest([{ manifest: imageManifest(blob('{}'), []), os: 'linux', architecture: 'arm64' }]);
    await assert.rejects(registry.putManifest('multi', 'broken', missingChild.bytes, missingChild.mediaType), rejectsWith('NOT_FOUND'));
    assert.equal(await registry.putManifest('multi', child.digest, child.bytes, child.mediaType), child.digest);
    assert.equal(await registry.putManifest('multi', 'v1', index.bytes, index.mediaType), index.digest);
    const fetched = await registry.getManifest('multi', 'v1');
    assert.equal(fetched.manifest.kind, 'index');
    assert.deepEqual(fetched.bytes, index.bytes);
    assert.deepEqual(await registry.listTags('multi'), ['amd64-only', 'v1']);
  });

  it('refuses a manifest whose bytes do not match the digest it is put under, storing nothing', async () => {
    const root = await makeTempDir('ocidir');
    const registry = createOcidirRegistry(root);
    await storeImage(registry, 'app', 'v1');
    const manifest = imageManifest(config, [layer]);
    const wrong = blob('something else').digest;
    await assert.rejects(registry.putManifest('app', wrong, manifest.bytes, manifest.mediaType), rejectsWith('DIGEST_MISMATCH'));
    assert.equal(existsSync(path.join(root, 'app', 'blobs', 'sha256', wrong.slice(7))), false);
  });

  it('detects a corrupt manifest file on read', async () => {
    const root = await makeTempDir('ocidir');
    const registry = createOcidirRegistry(root);
    const { digest } = await storeImage(registry, 'app', 'v1');
    await writeFile(path.join(root, 'app', 'blobs', 'sha256', digest.slice(7)), '{"schemaVersion":2,"manifests":[]}');
    await assert.rejects(registry.getManifest('app', 'v1'), (error: unknown) => {
      assert.ok(isRegsyncError(error));
      assert.equal(error.code, 'DIGEST_MISMATCH');
      assert.match(error.message, /app:v1/);
      return true;
    });
  });

  it('a failed or mismatched upload leaves nothing in the layout', async () => {
    const root = await makeTempDir('ocidir');
    const registry = createOcidirRegistry(root);
    await storeImage(registry, 'app', 'v1');
    const before = await filesUnder(root);

    const payload = blob(Buffer.alloc(50_000, 'y'));
    // Right size, wrong bytes.
    const lying = Buffer.alloc(50_000, 'z');
    await assert.rejects(registry.uploadBlob('app', payload.digest, payload.size, streamOf(lying, 1000)), rejectsWith('DIGEST_MISMATCH'));
    // Right bytes, wrong size.
    await assert.rejects(
      registry.uploadBlob('app', payload.digest, payload.size + 1, streamOf(payload.bytes, 1000)),
      rejectsWith('DIGEST_MISMATCH'),
    );
    // A source that dies half way.
    const dying = new Readable({
      read() {
        this.push(payload.bytes.subarray(0, 20_000));
        this.destroy(new Error('connection reset'));
      },
    });
    await assert.rejects(registry.uploadBlob('app', payload.digest, payload.size, dying), /connection reset/);
    // Into a repository that does not exist yet.
    await assert.rejects(registry.uploadBlob('fresh', payload.digest, payload.size, streamOf(lying, 1000)), rejectsWith('DIGEST_MISMATCH'));

    const after = (await filesUnder(root)).filter((f) => !f.startsWith('fresh/'));
    assert.deepEqual(after, before);
    assert.deepEqual(await filesUnder(path.join(root, 'fresh', 'blobs')), []);
    assert.equal(await registry.headBlob('app', payload.digest), null);
    await registry.uploadBlob('app', payload.digest, payload.size, streamOf(payload.bytes, 1000));
    assert.equal((await registry.headBlob('app', payload.digest))?.size, payload.size);
  });

  it('deleteManifest removes every descriptor with that digest and keeps the others', async () => {
    const registry = createOcidirRegistry(await makeTempDir('ocidir'));
    const { digest, manifest } = await storeImage(registry, 'app', 'v1');
    await registry.putManifest('app', 'also-v1', manifest.bytes, manifest.mediaType);
    const other = blob(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    await registry.uploadBlob('app', other.digest, other.size, streamOf(other.bytes));
    const keep = imageManifest(other, [layer]);
    await registry.putManifest('app', 'v2', keep.bytes, keep.mediaType);

    await registry.deleteManifest('app', digest);
    assert.deepEqual(await registry.listTags('app'), ['v2']);
    assert.equal(await registry.headManifest('app', 'v1'), null);
    await assert.rejects(registry.deleteManifest('app', blob('never stored').digest), rejectsWith('NOT_FOUND'));
  });

  it('refuses repository names that would leave the root', async () => {
    const registry = createOcidirRegistry(await makeTempDir('ocidir'));
    for (const name of ['../escape', 'a/../../b', '/abs', 'UPPER', '', 'a//b']) {
      await assert.rejects(registry.listTags(name), rejectsWith('USAGE'), name);
    }
  });

  it('counts operations and bytes', async () => {
    const registry = createOcidirRegistry(await makeTempDir('ocidir'));
    await storeImage(registry, 'app', 'v1');
    const stats = registry.stats();
    assert.equal(stats.bytesUploaded, config.size + layer.size + imageManifest(config, [layer]).size);
    assert.equal(stats.byHostAndMethod[`${registry.name} PUT`], 3);
  });

  it('reads layouts other tools wrote: "manifests": null, a tag named twice, a manifest with no config, one with a broken layer', async () => {
    const root = await makeTempDir('ocidir');
    const registry = createOcidirRegistry(root);
    const first = await storeImage(registry, 'odd', 'other');
    const second = imageManifest(blob('{"os":"linux","architecture":"arm64"}'), []);
    const noConfig = blob(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, layers: [] }));
    const dir = path.join(root, 'odd');
    for (const b of [second, noConfig]) await writeFile(path.join(dir, 'blobs', 'sha256', b.digest.slice(7)), b.bytes);
    const named = (digest: string, size: number) => ({
      mediaType: MEDIA_TYPES.ociManifest,
      digest,
      size,
      annotations: { 'org.opencontainers.image.ref.name': '1.0.0' },
    });
    const entries = [named(first.digest, first.manifest.size), named(second.digest, second.size)];
    await writeFile(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: entries }));
    // containers/image reads the first entry of a tag named twice; the listing says so.
    assert.equal((await registry.headManifest('odd', '1.0.0'))?.digest, first.digest);
    const listed = await registry.listTagsWithNotes('odd');
    assert.deepEqual(listed.tags, ['1.0.0']);
    assert.match(listed.notes[0] ?? '', /names tag 1\.0\.0 2 times .*resolves to the first/);
    // A manifest without a config (some OCI artifacts) is read as it is.
    const configless = (await registry.getManifest('odd', noConfig.digest)).manifest;
    assert.equal(configless.kind === 'manifest' ? configless.config : 'an index', null);
    // A manifest blob that cannot be used says why, never "not found" for a file that exists.
    const broken = blob(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, layers: [{ digest: 'none', size: 1 }] }));
    await writeFile(path.join(dir, 'blobs', 'sha256', broken.digest.slice(7)), broken.bytes);
    await assert.rejects(registry.getManifest('odd', broken.digest), (error: unknown) => {
      assert.ok(isRegsyncError(error));
      assert.match(error.message, /layers\[0\]\.digest is not a sha256 digest/);
      return true;
    });
    // A layer asked for as a manifest is still no such manifest.
    assert.equal(await registry.headManifest('odd', layer.digest), null);

    await mkdir(path.join(root, 'emptied', 'blobs', 'sha256'), { recursive: true });
    await writeFile(path.join(root, 'emptied', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(path.join(root, 'emptied', 'index.json'), '{"schemaVersion":2,"manifests":null}');
    assert.deepEqual(await registry.listTags('emptied'), []);
    await storeImage(registry, 'emptied', 'v1');
    assert.deepEqual(await registry.listTags('emptied'), ['v1']);
  });

  it('an aborted signal: every operation rejects with ABORTED, a flowing blob stream fails, no tag is written', async () => {
    const root = await makeTempDir('ocidir');
    const registry = createOcidirRegistry(root);
    await storeImage(registry, 'app', 'v1');
    const aborted = { signal: AbortSignal.abort() };
    await assert.rejects(registry.listRepositories(aborted), rejectsWith('ABORTED'));
    await assert.rejects(registry.listTags('app', aborted), rejectsWith('ABORTED'));
    await assert.rejects(registry.headManifest('app', 'v1', aborted), rejectsWith('ABORTED'));
    await assert.rejects(registry.getBlobBytes('app', layer.digest, aborted), rejectsWith('ABORTED'));
    const manifest = imageManifest(config, [layer]);
    await assert.rejects(registry.putManifest('app', 'v2', manifest.bytes, manifest.mediaType, aborted), rejectsWith('ABORTED'));
    assert.deepEqual(await registry.listTags('app'), ['v1'], 'no tag was written');

    const controller = new AbortController();
    const { stream } = await registry.getBlob('app', layer.digest, { signal: controller.signal });
    stream.once('data', () => controller.abort());
    await assert.rejects(
      (async () => {
        for await (const _chunk of stream) void _chunk;
      })(),
      rejectsWith('ABORTED'),
    );

    const upload = new AbortController();
    const source = new Readable({ read() {} });
    source.push(layer.bytes.subarray(0, 1000));
    const writing = registry.uploadBlob('other', layer.digest, layer.size, source, { signal: upload.signal });
    setImmediate(() => upload.abort());
    await assert.rejects(writing, rejectsWith('ABORTED'));
    assert.equal(await registry.headBlob('other', layer.digest), null, 'an aborted upload leaves no blob');
  });
});
