/**
 * `regsync apply` plans, then copies: the manifests and image configs the plan read are the ones the copies need.
 * One content memo spans both (registry/content-memo.ts), so each is fetched from the source once per run, not
 * once by the plan and again by the copy. Counted from the request log of the harness's proxy in front of the
 * REAL source registry.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { rawManifest, seed } from '../harness/images.js';
import type { PushedImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { writeMirrorConfig } from '../harness/mirror-config.js';
import { ensureTools } from '../harness/tools.js';
import { cli, planEnv } from './plan-fixture.js';

const images = ['team/one', 'team/two'].flatMap((repository, r) => [
  { repository, tag: 'single', spec: { created: '2024-06-01T00:00:00Z', content: `single-${r}`, layers: 2, layerSize: 8_000 } },
  {
    repository,
    tag: 'multi',
    spec: { created: '2024-06-02T00:00:00Z', content: `multi-${r}`, platforms: ['linux/amd64', 'linux/arm64'], format: 'docker' as const },
  },
]);

describe('apply reads each manifest and config from the source once', () => {
  let source: RegistryInstance;
  let destination: RegistryInstance;
  let proxy: FaultProxy;
  let pushed: PushedImage[];

  before(async () => {
    await ensureTools();
    [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
    pushed = await seed(source, images);
    proxy = await startFaultProxy(source);
  });
  after(async () => {
    await proxy?.stop();
    await Promise.all([source?.stop(), destination?.stop()]);
  });

  it('regsync apply --yes: no GET of one manifest or config twice, and the copies are exact', async () => {
    const dir = await makeTempDir('reads-once');
    const config = await writeMirrorConfig(join(dir, 'regsync.yaml'), {
      source: proxy.host,
      destination: destination.host,
      from: 'team',
      to: 'team',
    });
    const result = await cli(['apply', '-c', config, '--yes'], await planEnv(), dir);
    assert.equal(result.code, 0, result.stderr);
    const gets = proxy.requests.filter((request) => request.method === 'GET' && /\/(manifests|blobs)\//.test(request.path));
    const times = new Map<string, number>();
    for (const request of gets) times.set(request.path, (times.get(request.path) ?? 0) + 1);
    const twice = [...times].filter(([, count]) => count > 1);
    assert.deepEqual(twice, [], 'paths fetched more than once');
    // Every top manifest, config and layer was read (the memo answered the second reads, nothing was left out).
    for (const [i, image] of pushed.entries()) {
      // The plan GETs a tag the destination lacks by tag (no HEAD first); the copy then finds it in the memo by digest.
      const { repository, tag } = images[i]!;
      const byTag = times.get(`/v2/${repository}/manifests/${tag}`) ?? 0;
      const byDigest = times.get(`/v2/${repository}/manifests/${image.digest}`) ?? 0;
      assert.equal(byTag + byDigest, 1, `${repository}:${tag} read ${byTag} times by tag, ${byDigest} by digest`);
      for (const platform of image.platforms) assert.ok([...times.keys()].some((path) => path.endsWith(`/blobs/${platform.configDigest}`)));
    }
    for (const [i, image] of images.entries()) {
      assert.equal(
        (await rawManifest(destination, image.repository, image.tag))?.digest,
        pushed[i]!.digest,
        `${image.repository}:${image.tag}`,
      );
    }
  });
});
