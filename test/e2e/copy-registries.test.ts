import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CopyShares } from '../../src/registry/copy-shares.js';
import { copyImage } from '../../src/registry/copy.js';
import { parseManifest, platformString } from '../../src/oci/manifest.js';
import { createOcidirRegistry } from '../../src/registry/ocidir/index.js';
import { createRegistryPool } from '../../src/registry/pool.js';
import type { Registry, RegistryPool } from '../../src/registry/types.js';
import { pushImage, rawManifest } from '../harness/images.js';
import type { ImageSpec, PushedImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { skopeoInspectRaw } from '../harness/skopeo.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const CREATED = '2024-05-01T10:00:00Z';

const IMAGES: Record<string, ImageSpec> = {
  multi: { created: CREATED, format: 'oci', platforms: ['linux/amd64', 'linux/arm64'], content: 'multi', layers: 2, layerSize: 40_000 },
  'oci-image': { created: CREATED, format: 'oci', content: 'oci', layers: 3, layerSize: 30_000 },
  'docker-image': { created: CREATED, format: 'docker', content: 'docker', layers: 2, layerSize: 30_000 },
  'docker-list': {
    created: CREATED,
    format: 'docker',
    platforms: ['linux/amd64', 'linux/arm/v7'],
    content: 'dlist',
    layers: 1,
    layerSize: 20_000,
  },
};

/** Every manifest (the top one and, for an index, each child) must be byte-identical at the destination. */
async function assertSameManifests(
  source: RegistryInstance,
  sourceRepo: string,
  target: RegistryInstance,
  targetRepo: string,
  tag: string,
  pushed: PushedImage,
): Promise<void> {
  const want = await rawManifest(source, sourceRepo, tag);
  const got = await rawManifest(target, targetRepo, tag);
  assert.ok(want && got, `${targetRepo}:${tag} is missing`);
  assert.equal(got.digest, pushed.digest);
  assert.deepEqual(got.bytes, want.bytes);
  assert.equal(got.mediaType, want.mediaType);
  if (pushed.platforms.length > 1) {
    for (const child of pushed.platforms) {
      const copied = await rawManifest(target, targetRepo, child.digest);
      assert.equal(copied?.digest, child.digest, `child ${child.platform}`);
    }
  }
}

describe('copyImage between two real registries', () => {
  let a: RegistryInstance;
  let b: RegistryInstance;
  let pool: RegistryPool;
  let source: Registry;
  let target: Registry;
  const pushed: Record<string, PushedImage> = {};

  before(async () => {
    await ensureTools();
    [a, b] = await Promise.all([startRegistry(), startRegistry()]);
    pool = createRegistryPool({
      hosts: {},
      dockerConfigDir: await makeTempDir('dockercfg'),
      createOcidir: createOcidirRegistry,
      retry: { baseDelayMs: 50 },
    });
    source = pool.get('registry', a.host);
    target = pool.get('registry', b.host);
    for (const [repo, spec] of Object.entries(IMAGES)) pushed[repo] = await pushImage(a, repo, 'v1', spec);
  });

  after(async () => {
    await pool?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('copies a two-platform index, an OCI image, a Docker image and a Docker manifest list byte-identically', async () => {
    for (const repo of Object.keys(IMAGES)) {
      const image = pushed[repo]!;
      const result = await copyImage({
        source,
        sourceRepository: repo,
        sourceReference: 'v1',
        target,
        targetRepository: `mirror/${repo}`,
        targetTag: 'v1',
      });
      assert.equal(result.digest, image.digest, repo);
      assert.equal(result.mediaType, image.mediaType, repo);
      assert.ok(result.blobsCopied > 0 && result.bytesCopied > 0, repo);
      await assertSameManifests(a, repo, b, `mirror/${repo}`, 'v1', image);
    }
    // And as an independent client sees it.
    const raw = await skopeoInspectRaw(`${b.host}/mirror/multi:v1`);
    assert.equal(sha256(raw), pushed.multi!.digest);
  });

  it('a second copy moves no blob bytes', async () => {
    for (const repo of Object.keys(IMAGES)) {
      await copyImage({
        source,
        sourceRepository: repo,
        sourceReference: 'v1',
        target,
        targetRepository: `again/${repo}`,
        targetTag: 'v1',
      });
    }
    const before = target.stats().bytesUploaded;
    let manifestBytes = 0;
    for (const repo of Object.keys(IMAGES)) {
      const result = await copyImage({
        source,
        sourceRepository: repo,
        sourceReference: 'v1',
        target,
        targetRepository: `again/${repo}`,
        targetTag: 'v1',
      });
      assert.equal(result.blobsCopied, 0, repo);
      assert.equal(result.blobsMounted, 0, repo);
      assert.equal(result.bytesCopied, 0, repo);
      assert.ok(result.blobsSkipped > 0, repo);
      manifestBytes += (await rawManifest(b, `again/${repo}`, 'v1'))!.bytes.length;
    }
    // Only the tagged manifests were sent again (re-PUT so the tag is certainly right); children already there are not.
    assert.equal(target.stats().bytesUploaded - before, manifestBytes);
  });

  it('between two repositories of one registry, mounts instead of uploading', async () => {
    const before = source.stats();
    const result = await copyImage({
      source,
      sourceRepository: 'multi',
      sourceReference: 'v1',
      target: source,
      targetRepository: 'team/multi-copy',
      targetTag: 'v1',
    });
    assert.equal(result.blobsCopied, 0);
    assert.equal(result.bytesCopied, 0);
    // 2 configs + 4 layers; none shared between platforms.
    assert.equal(result.blobsMounted, 6);
    const afterStats = source.stats();
    const manifests = [pushed.multi!.digest, ...pushed.multi!.platforms.map((p) => p.digest)];
    let manifestBytes = 0;
    for (const digest of manifests) manifestBytes += (await rawManifest(a, 'multi', digest))!.bytes.length;
    assert.equal(afterStats.bytesUploaded - before.bytesUploaded, manifestBytes);
    assert.equal(afterStats.bytesDownloaded - before.bytesDownloaded, manifestBytes, 'only manifests were read');
    await assertSameManifests(a, 'multi', a, 'team/multi-copy', 'v1', pushed.multi!);
  });

  it('with platforms, writes an index listing only the chosen platforms', async () => {
    for (const repo of ['multi', 'docker-list']) {
      const chosen = pushed[repo]!.platforms[1]!;
      const result = await copyImage({
        source,
        sourceRepository: repo,
        sourceReference: 'v1',
        target,
        targetRepository: `subset/${repo}`,
        targetTag: 'v1',
        platforms: [chosen.platform],
      });
      const got = await rawManifest(b, `subset/${repo}`, 'v1');
      assert.ok(got);
      assert.equal(got.digest, result.digest);
      assert.notEqual(result.digest, pushed[repo]!.digest);
      assert.equal(got.mediaType, pushed[repo]!.mediaType);
      const index = parseManifest(got.bytes, got.mediaType, repo);
      assert.equal(index.kind, 'index');
      assert.deepEqual(index.kind === 'index' && index.manifests.map((m) => [m.digest, m.platform && platformString(m.platform)]), [
        [chosen.digest, chosen.platform],
      ]);
      const other = pushed[repo]!.platforms[0]!;
      assert.equal(await rawManifest(b, `subset/${repo}`, other.digest), null, 'the other platform was not copied');
    }
  });

  it('many concurrent copies of tags sharing layers into one repository all succeed', async () => {
    const spec: ImageSpec = {
      created: CREATED,
      format: 'oci',
      platforms: ['linux/amd64', 'linux/arm64'],
      content: 'shared',
      layers: 4,
      layerSize: 50_000,
    };
    const tags = Array.from({ length: 10 }, (_, i) => `t${i}`);
    let image: PushedImage | undefined;
    for (const tag of tags) image = await pushImage(a, 'shared', tag, spec);
    for (let round = 0; round < 3; round += 1) {
      const repo = `concurrent/r${round}`;
      // One run's copies: they share what is in flight.
      const shares = new CopyShares();
      const results = await Promise.all(
        tags.map((tag) =>
          copyImage({ source, sourceRepository: 'shared', sourceReference: tag, target, targetRepository: repo, targetTag: tag, shares }),
        ),
      );
      for (const result of results) assert.equal(result.digest, image!.digest);
      // 2 configs + 8 layers, each moved once across all ten copies.
      assert.equal(
        results.reduce((sum, r) => sum + r.blobsCopied, 0),
        10,
        `round ${round}`,
      );
      for (const tag of tags) assert.equal((await rawManifest(b, repo, tag))?.digest, image!.digest);
    }
  });

  it('ocidir round trip: registry → ocidir → second registry keeps digests identical', async () => {
    const dir = await makeTempDir('roundtrip');
    const disk = pool.get('ocidir', dir);
    for (const repo of Object.keys(IMAGES)) {
      const toDisk = await copyImage({
        source,
        sourceRepository: repo,
        sourceReference: 'v1',
        target: disk,
        targetRepository: `airgap/${repo}`,
        targetTag: 'v1',
      });
      assert.equal(toDisk.digest, pushed[repo]!.digest);
    }
    assert.deepEqual(
      await disk.listRepositories(),
      Object.keys(IMAGES)
        .map((r) => `airgap/${r}`)
        .sort(),
    );
    for (const repo of Object.keys(IMAGES)) {
      const back = await copyImage({
        source: disk,
        sourceRepository: `airgap/${repo}`,
        sourceReference: 'v1',
        target,
        targetRepository: `from-disk/${repo}`,
        targetTag: 'v1',
      });
      assert.equal(back.digest, pushed[repo]!.digest);
      await assertSameManifests(a, repo, b, `from-disk/${repo}`, 'v1', pushed[repo]!);
    }
  });
});
