/**
 * Many repositories sharing a base image, copied from one REAL registry to another (issue 9, cold copies): with one
 * blob record for the run, every blob is uploaded into the destination once and mounted into every other repository
 * that needs it, at most 2 requests per uploaded blob (POST + PUT, no PATCH) and 1 per mounted one. Counted from the
 * request log of the harness's proxy in front of the destination.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobHolders } from '../../src/registry/blob-holders.js';
import { copyImage } from '../../src/registry/copy.js';
import { createRegistryPool } from '../../src/registry/pool.js';
import type { RegistryPool } from '../../src/registry/types.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy, ProxiedRequest } from '../harness/fault-proxy.js';
import { buildImage, rawManifest, seed } from '../harness/images.js';
import type { ImageSpec } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { writeMirrorConfig } from '../harness/mirror-config.js';
import { ensureTools } from '../harness/tools.js';
import { countUploads } from '../harness/upload-counts.js';
import { cli, planEnv } from './plan-fixture.js';

const REPOSITORIES = 6;
const BASE: ImageSpec = { created: '2024-06-01T00:00:00Z', content: 'shared-base', layers: 2, layerSize: 20_000 };
const own = (r: number): ImageSpec => ({ created: '2024-06-02T00:00:00Z', content: `own-${r}`, layers: 1, layerSize: 10_000 });
const repositories = Array.from({ length: REPOSITORIES }, (_, r) => `fleet/app${r}`);
const images = repositories.flatMap((repository, r) => [
  { repository, tag: 'base', spec: BASE },
  { repository, tag: 'own', spec: own(r) },
]);

/** The config and layers of a single-platform image. */
function blobsOf(spec: ImageSpec): string[] {
  const image = buildImage(spec).children[0]!;
  return [image.config.digest, ...image.layers.map((layer) => layer.digest)];
}
const baseBlobs = blobsOf(BASE);
const ownBlobs = repositories.flatMap((_, r) => blobsOf(own(r)));

/** Requests the destination saw for repositories under `prefix/` from `from` on. */
const under = (proxy: FaultProxy, prefix: string, from: number): ProxiedRequest[] =>
  proxy.requests.slice(from).filter((request) => request.path.startsWith(`/v2/${prefix}/`));

/** The contract, asserted on one destination prefix's request log. */
function assertUploadedOnceMountedElsewhere(requests: ProxiedRequest[]): void {
  const counts = countUploads(requests);
  for (const digest of [...baseBlobs, ...ownBlobs]) assert.equal(counts.uploadsByDigest.get(digest), 1, `${digest} uploaded once`);
  assert.equal(counts.uploadsByDigest.size, baseBlobs.length + ownBlobs.length, 'nothing else uploaded');
  const uploaded = baseBlobs.length + ownBlobs.length;
  assert.equal(requests.filter((r) => r.method === 'PATCH').length, 0, 'no chunked uploads');
  assert.equal(counts.uploadRequests, 2 * uploaded, 'POST + PUT per uploaded blob');
  assert.equal(counts.mounted, baseBlobs.length * (REPOSITORIES - 1), 'the base blobs are mounted into every other repository');
  assert.equal(counts.mountRequests, counts.mounted, 'one request per mounted blob, none refused');
  // Existence checks are counted apart: at most one HEAD per blob per repository.
  const pairs = baseBlobs.length * REPOSITORIES + ownBlobs.length;
  assert.ok(counts.existenceChecks <= pairs, `${counts.existenceChecks} HEADs for ${pairs} blobs needed`);
}

async function assertTagsCopied(destination: RegistryInstance, prefix: string, pushed: string[]): Promise<void> {
  for (const [i, image] of images.entries()) {
    const copied = await rawManifest(destination, image.repository.replace(/^fleet\//, `${prefix}/`), image.tag);
    assert.equal(copied?.digest, pushed[i], `${prefix}: ${image.repository}:${image.tag}`);
  }
}

describe('blobs shared by many repositories: uploaded once per destination registry, mounted everywhere else', () => {
  let a: RegistryInstance;
  let b: RegistryInstance;
  let proxy: FaultProxy;
  let sourceProxy: FaultProxy;
  let pool: RegistryPool;
  let pushed: string[];

  before(async () => {
    await ensureTools();
    [a, b] = await Promise.all([startRegistry(), startRegistry()]);
    proxy = await startFaultProxy(b);
    sourceProxy = await startFaultProxy(a);
    pushed = (await seed(a, images)).map((image) => image.digest);
    pool = createRegistryPool({ hosts: {}, dockerConfigDir: await makeTempDir('dockercfg') });
  });
  after(async () => {
    await pool?.close();
    await proxy?.stop();
    await sourceProxy?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('copyImage with one record: every copy at once, the base blobs uploaded once and mounted 5 times', async () => {
    const holders = new BlobHolders();
    const [source, target] = [pool.get('registry', a.host), pool.get('registry', proxy.host)];
    const start = proxy.requests.length;
    const results = await Promise.all(
      images.map((image) =>
        copyImage({
          source,
          sourceRepository: image.repository,
          sourceReference: image.tag,
          target,
          targetRepository: image.repository.replace(/^fleet\//, 'copied/'),
          targetTag: image.tag,
          holders,
        }),
      ),
    );
    assertUploadedOnceMountedElsewhere(under(proxy, 'copied', start));
    assert.equal(
      results.reduce((sum, r) => sum + r.blobsCopied, 0),
      baseBlobs.length + ownBlobs.length,
    );
    assert.equal(
      results.reduce((sum, r) => sum + r.blobsMounted, 0),
      baseBlobs.length * (REPOSITORIES - 1),
    );
    await assertTagsCopied(b, 'copied', pushed);
  });

  it('a refused mount (the holder lacks the blob) uploads into the session it opened: still 2 requests', async () => {
    const holders = new BlobHolders();
    // A stale record: the run believes refused/ghost holds the blobs, the registry knows better and answers 202.
    for (const digest of blobsOf(own(0))) holders.add(proxy.host, 'refused/ghost', digest);
    const start = proxy.requests.length;
    await copyImage({
      source: pool.get('registry', a.host),
      sourceRepository: 'fleet/app0',
      sourceReference: 'own',
      target: pool.get('registry', proxy.host),
      targetRepository: 'refused/app0',
      targetTag: 'own',
      holders,
    });
    const requests = under(proxy, 'refused', start);
    const counts = countUploads(requests);
    const blobs = blobsOf(own(0)).length;
    assert.equal(counts.mountRequests, blobs, 'one mount tried per blob');
    assert.equal(counts.mounted, 0);
    assert.equal(counts.uploadsByDigest.size, blobs);
    assert.equal(counts.uploadRequests, 2 * blobs, 'the refused mount POST + the PUT into its session; no second POST');
    assert.equal(requests.filter((r) => r.method === 'DELETE').length, 0, 'no session thrown away');
    assert.equal((await rawManifest(b, 'refused/app0', 'own'))?.digest, pushed[1]);
  });

  /** A copy of own(0) into `prefix/app0` from the source proxy, with the run believing `prefix/ghost` holds its blobs. */
  async function refusedMountCopy(prefix: string, retry: { attempts: number }): Promise<ProxiedRequest[]> {
    const holders = new BlobHolders();
    for (const digest of blobsOf(own(0))) holders.add(proxy.host, `${prefix}/ghost`, digest);
    const retrying = createRegistryPool({
      hosts: {},
      dockerConfigDir: await makeTempDir('dockercfg'),
      retry: { ...retry, baseDelayMs: 1 },
    });
    const start = proxy.requests.length;
    try {
      await copyImage({
        source: retrying.get('registry', sourceProxy.host),
        sourceRepository: 'fleet/app0',
        sourceReference: 'own',
        target: retrying.get('registry', proxy.host),
        targetRepository: `${prefix}/app0`,
        targetTag: 'own',
        holders,
      });
    } finally {
      await retrying.close();
    }
    return under(proxy, prefix, start);
  }

  /** Every session a refused mount opened was PUT into or DELETEd: none left for the registry to expire. */
  function assertNoSessionLeft(requests: ProxiedRequest[]): void {
    const opened = requests.filter((r) => r.method === 'POST' && r.status === 202).length;
    const closed = requests.filter((r) => (r.method === 'PUT' || r.method === 'DELETE') && /\/blobs\/uploads\//.test(r.path)).length;
    assert.equal(closed, opened, `${opened} sessions opened, ${closed} used or cancelled`);
  }

  it("a refused mount whose source GET fails once: the GET is asked again and the PUT still uses the mount's session", async () => {
    const layer = blobsOf(own(0))[1]!;
    // The first GET of the layer answers 503: the source's transport asks again within the blob's attempts (before
    // one budget per blob, the copy also restarted the whole stream, throwing the session away for a new one).
    sourceProxy.addRule({ method: 'GET', path: new RegExp(`/blobs/${layer}$`), times: 1, action: { type: 'respond', status: 503 } });
    const gets = (): number => sourceProxy.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/blobs/${layer}`)).length;
    const before = gets();
    const requests = await refusedMountCopy('regot', { attempts: 2 });
    sourceProxy.clearRules();
    assert.equal(gets() - before, 2, 'the 503 and the GET that succeeded');
    assert.equal(requests.filter((r) => r.method === 'DELETE').length, 0, 'no session thrown away');
    assertNoSessionLeft(requests);
    assert.equal(countUploads(requests).uploadsByDigest.get(layer), 1);
    assert.equal((await rawManifest(b, 'regot/app0', 'own'))?.digest, pushed[1]);
  });

  it('a refused mount whose source GET fails for good: the copy fails and leaves no session open', async () => {
    const layer = blobsOf(own(0))[1]!;
    sourceProxy.addRule({ method: 'GET', path: new RegExp(`/blobs/${layer}$`), times: 1, action: { type: 'respond', status: 404 } });
    const requests = await refusedMountCopy('gone', { attempts: 1 }).then(
      () => assert.fail('the copy should fail'),
      (error: unknown) => {
        assert.match(String(error), /not found on /);
        return under(proxy, 'gone', 0);
      },
    );
    sourceProxy.clearRules();
    assert.equal(requests.filter((r) => r.method === 'DELETE').length, 1);
    assertNoSessionLeft(requests);
  });

  it('a holder mount answered 405 (partial mount support) falls back to the upload', async () => {
    const blobs = blobsOf(own(0)).length;
    const refusing = proxy.addRule({
      method: 'POST',
      path: /^\/v2\/nomount\/app0\/blobs\/uploads\/\?mount=/,
      times: blobs,
      action: { type: 'respond', status: 405, body: '{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}' },
    });
    const requests = await refusedMountCopy('nomount', { attempts: 1 });
    proxy.clearRules();
    assert.equal(refusing(), blobs, 'every blob tried the holder first');
    const counts = countUploads(requests);
    assert.equal(counts.uploadsByDigest.size, blobs);
    assert.equal(counts.uploadRequests - counts.mountRequests, 2 * blobs, 'then POST + PUT per blob');
    assert.equal((await rawManifest(b, 'nomount/app0', 'own'))?.digest, pushed[1]);
  });

  it('regsync apply --yes: the run shares one record across its changes', async () => {
    const dir = await makeTempDir('shared-apply');
    const config = await writeMirrorConfig(join(dir, 'regsync.yaml'), {
      source: a.host,
      destination: proxy.host,
      from: 'fleet',
      to: 'applied',
    });
    const start = proxy.requests.length;
    const result = await cli(['apply', '-c', config, '--yes'], await planEnv(), dir);
    assert.equal(result.code, 0, result.stderr);
    assertUploadedOnceMountedElsewhere(under(proxy, 'applied', start));
    await assertTagsCopied(b, 'applied', pushed);
  });
});
