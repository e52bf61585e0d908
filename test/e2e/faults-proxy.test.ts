import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { copyImage } from '../../src/registry/copy.js';
import type { CopyImageResult } from '../../src/registry/copy.js';
import { createRegistryPool } from '../../src/registry/pool.js';
import type { Registry, RegistryPool } from '../../src/registry/types.js';
import { isRegsyncError } from '../../src/util/errors.js';
import { startFaultProxy, startRecordingServer } from '../harness/fault-proxy.js';
import type { FaultProxy, RecordingServer } from '../harness/fault-proxy.js';
import { basicAuth, rawFetch } from '../harness/http.js';
import { pushImage, rawManifest } from '../harness/images.js';
import type { PushedImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const CREATED = '2024-06-01T08:00:00Z';
const hexOf = (digest: string) => digest.slice('sha256:'.length);

/**
 * Source: an htpasswd registry behind a fault proxy (so there is an Authorization header to leak).
 * Target: a plain registry behind its own fault proxy (to break uploads).
 */
describe('copy through injected faults', () => {
  let source: RegistryInstance;
  let target: RegistryInstance;
  let sourceProxy: FaultProxy;
  let targetProxy: FaultProxy;
  let pool: RegistryPool;
  let from: Registry;
  let to: Registry;
  let image: PushedImage;
  let index: PushedImage;
  let layerDigests: string[];

  before(async () => {
    await ensureTools();
    [source, target] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startRegistry()]);
    [sourceProxy, targetProxy] = await Promise.all([startFaultProxy(source), startFaultProxy(target)]);
    image = await pushImage(source, 'app', 'v1', { created: CREATED, format: 'oci', content: 'faults', layers: 2, layerSize: 300_000 });
    index = await pushImage(source, 'multi', 'v1', {
      created: CREATED,
      format: 'docker',
      platforms: ['linux/amd64', 'linux/arm64'],
      content: 'faults-multi',
      layers: 1,
      layerSize: 10_000,
    });
    const manifest = JSON.parse((await rawManifest(source, 'app', 'v1'))!.bytes.toString()) as { layers: { digest: string }[] };
    layerDigests = manifest.layers.map((l) => l.digest);
    pool = createRegistryPool({
      hosts: { [sourceProxy.host]: { username: source.credentials!.username, password: source.credentials!.password } },
      dockerConfigDir: await makeTempDir('dockercfg'),
      retry: { baseDelayMs: 50, maxDelayMs: 200 },
    });
    from = pool.get('registry', sourceProxy.host);
    to = pool.get('registry', targetProxy.host);
  });

  beforeEach(() => {
    for (const proxy of [sourceProxy, targetProxy]) {
      proxy.clearRules();
      proxy.requests.length = 0;
    }
  });

  after(async () => {
    await pool?.close();
    await Promise.all([sourceProxy?.stop(), targetProxy?.stop()]);
    await Promise.all([source?.stop(), target?.stop()]);
  });

  const copyApp = (targetRepository: string, sourceRepository = 'app'): Promise<CopyImageResult> =>
    copyImage({ source: from, sourceRepository, sourceReference: 'v1', target: to, targetRepository, targetTag: 'v1' });

  /** The destination holds exactly the source image: same manifest bytes, every layer intact. */
  async function assertIntact(targetRepository: string, pushed: PushedImage = image, sourceRepository = 'app'): Promise<void> {
    const want = await rawManifest(source, sourceRepository, 'v1');
    const got = await rawManifest(target, targetRepository, 'v1');
    assert.ok(got, `${targetRepository}:v1 is missing`);
    assert.equal(got.digest, pushed.digest);
    assert.deepEqual(got.bytes, want!.bytes);
    if (pushed === image) {
      for (const digest of layerDigests) {
        const response = await rawFetch(`${target.url}/v2/${targetRepository}/blobs/${digest}`);
        assert.equal(response.status, 200);
        assert.equal(sha256(Buffer.from(await response.arrayBuffer())), digest);
      }
    }
  }

  it('429 with Retry-After: 1 on a blob GET is waited out and retried', async () => {
    const blobPath = new RegExp(`/blobs/sha256:${hexOf(layerDigests[0]!)}$`);
    const hits = sourceProxy.addRule({
      method: 'GET',
      path: blobPath,
      action: {
        type: 'respond',
        status: 429,
        headers: { 'retry-after': '1' },
        body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
      },
    });
    const result = await copyApp('faults/429');
    assert.equal(hits(), 1);
    const gets = sourceProxy.requests.filter((r) => r.method === 'GET' && blobPath.test(r.path));
    assert.deepEqual(
      gets.map((r) => r.status),
      [429, 200],
    );
    assert.ok(gets[1]!.at - gets[0]!.at >= 950, `retried after ${gets[1]!.at - gets[0]!.at} ms, Retry-After said 1 s`);
    assert.equal(result.blobsCopied, 3);
    await assertIntact('faults/429');
  });

  it('503 then success on the manifest PUT is retried', async () => {
    const putPath = /^\/v2\/faults\/503\/manifests\/v1$/;
    const hits = targetProxy.addRule({ method: 'PUT', path: putPath, action: { type: 'respond', status: 503, body: 'unavailable' } });
    await copyApp('faults/503');
    assert.equal(hits(), 1);
    assert.deepEqual(
      targetProxy.requests.filter((r) => r.method === 'PUT' && putPath.test(r.path)).map((r) => r.status),
      [503, 201],
    );
    await assertIntact('faults/503');
  });

  it('a connection dropped mid-blob during the source GET is retried from the start', async () => {
    const blobPath = new RegExp(`/blobs/sha256:${hexOf(layerDigests[1]!)}$`);
    const hits = sourceProxy.addRule({ method: 'GET', path: blobPath, action: { type: 'drop-response', bytes: 100_000 } });
    const result = await copyApp('faults/drop-get');
    assert.equal(hits(), 1);
    assert.equal(sourceProxy.requests.filter((r) => r.method === 'GET' && blobPath.test(r.path)).length, 2);
    assert.equal(result.blobsCopied, 3);
    await assertIntact('faults/drop-get');
  });

  it('a connection dropped mid-upload is retried from the start', async () => {
    const uploadPath = new RegExp(`^/v2/faults/drop-put/blobs/uploads/.*${hexOf(layerDigests[0]!)}`);
    const hits = targetProxy.addRule({ method: 'PUT', path: uploadPath, action: { type: 'drop-request', bytes: 100_000 } });
    await copyApp('faults/drop-put');
    assert.equal(hits(), 1);
    assert.equal(targetProxy.requests.filter((r) => r.method === 'PUT' && uploadPath.test(r.path)).length, 2);
    await assertIntact('faults/drop-put');
  });

  it('a tagged manifest whose bytes do not match its digest fails with DIGEST_MISMATCH and leaves no tag', async () => {
    sourceProxy.addRule({
      method: 'GET',
      path: /^\/v2\/app\/manifests\/v1$/,
      times: 100,
      action: { type: 'rewrite', transform: (body) => Buffer.from(body.toString().replace('"schemaVersion": 2', '"schemaVersion":2')) },
    });
    await assert.rejects(copyApp('faults/bad-tag'), (error: unknown) => {
      assert.ok(isRegsyncError(error), String(error));
      assert.equal(error.code, 'DIGEST_MISMATCH');
      assert.match(error.message, /app:v1/);
      return true;
    });
    assert.equal(await rawManifest(target, 'faults/bad-tag', 'v1'), null);
  });

  it('a child manifest whose bytes do not match its digest fails with DIGEST_MISMATCH and leaves no tag', async () => {
    const child = index.platforms[1]!.digest;
    sourceProxy.addRule({
      method: 'GET',
      path: new RegExp(`/manifests/${child}$`),
      times: 100,
      action: { type: 'rewrite', transform: (body) => Buffer.concat([body, Buffer.from('\n')]) },
    });
    await assert.rejects(copyApp('faults/bad-child', 'multi'), (error: unknown) => {
      assert.ok(isRegsyncError(error), String(error));
      assert.equal(error.code, 'DIGEST_MISMATCH');
      assert.ok(error.message.includes(child), error.message);
      return true;
    });
    assert.equal(await rawManifest(target, 'faults/bad-child', 'v1'), null);
    assert.equal(await rawManifest(target, 'faults/bad-child', child), null);

    sourceProxy.clearRules();
    await copyApp('faults/bad-child', 'multi');
    await assertIntact('faults/bad-child', index, 'multi');
  });

  it('a blob GET redirected to another port is fetched there without the Authorization header', async () => {
    const digest = layerDigests[0]!;
    const direct = await rawFetch(`${source.url}/v2/app/blobs/${digest}`, { headers: { authorization: basicAuth(source.credentials!) } });
    const bytes = Buffer.from(await direct.arrayBuffer());
    assert.equal(sha256(bytes), digest);
    let storage: RecordingServer | undefined;
    try {
      storage = await startRecordingServer((path) =>
        path.includes(hexOf(digest))
          ? { status: 200, body: bytes, headers: { 'content-type': 'application/octet-stream' } }
          : { status: 404, body: Buffer.alloc(0) },
      );
      const blobPath = new RegExp(`/blobs/sha256:${hexOf(digest)}$`);
      const url = storage.url;
      sourceProxy.addRule({
        method: 'GET',
        path: blobPath,
        action: { type: 'redirect', status: 307, location: () => `${url}/storage/${hexOf(digest)}?signature=abc` },
      });
      await copyApp('faults/redirect');
      const proxied = sourceProxy.requests.filter((r) => r.method === 'GET' && blobPath.test(r.path));
      assert.ok(proxied.length >= 1 && proxied.every((r) => r.hadAuthorization), 'the registry itself was sent credentials');
      assert.equal(storage.received.length, 1);
      assert.equal(storage.received[0]!.headers.authorization, undefined, 'Authorization leaked to another origin');
      await assertIntact('faults/redirect');
    } finally {
      await storage?.stop();
    }
  });
});
