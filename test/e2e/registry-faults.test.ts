import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { startFaultProxy, startRecordingServer } from '../harness/fault-proxy.js';
import type { FaultProxy, RecordingServer } from '../harness/fault-proxy.js';
import { pushImage, rawManifest } from '../harness/images.js';
import type { PushedImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { freePort } from '../harness/ports.js';
import { ensureTools } from '../harness/tools.js';
import { createRegistryPool } from '../../src/registry/pool.js';
import type { HttpRegistry } from '../../src/registry/http/client.js';
import { isRegsyncError } from '../../src/util/errors.js';

const CREATED = '2024-03-01T12:00:00Z';
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function expectError(code: string, message: RegExp) {
  return (error: unknown) => {
    assert.ok(isRegsyncError(error), String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  };
}

describe('transport faults injected by a proxy in front of a real registry', () => {
  let registry: RegistryInstance;
  let plain: RegistryInstance;
  let proxy: FaultProxy;
  let far: RecordingServer;
  let image: PushedImage;
  let layer: Buffer;
  let client: HttpRegistry;
  let password: string;
  const pool = createRegistryPool({ hosts: {}, retry: { baseDelayMs: 20 } });

  before(async () => {
    await ensureTools();
    [registry, plain] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startRegistry()]);
    password = registry.credentials!.password;
    image = await pushImage(registry, 'faults/app', 'v1', { created: CREATED, content: 'faults', layerSize: 64 * 1024 });
    proxy = await startFaultProxy(registry);
    const manifest = JSON.parse((await rawManifest(registry, 'faults/app', 'v1'))!.bytes.toString()) as {
      layers: Array<{ digest: string }>;
    };
    layer = Buffer.alloc(0);
    const layerDigest = manifest.layers[0]!.digest;
    far = await startRecordingServer(() => ({ status: 200, body: layer }));
    const direct = createRegistryPool({ hosts: { [registry.host]: registry.credentials! } }).get('registry', registry.host);
    layer = await direct.getBlobBytes('faults/app', layerDigest);
    const faultPool = createRegistryPool({ hosts: { [proxy.host]: registry.credentials! }, retry: { baseDelayMs: 20 } });
    client = faultPool.get('registry', proxy.host) as HttpRegistry;
    await client.ping();
  });
  after(async () => {
    await Promise.all([proxy?.stop(), far?.stop(), pool.close()]);
    await Promise.all([registry?.stop(), plain?.stop()]);
  });

  const hits = (path: RegExp) => proxy.requests.filter((r) => path.test(r.path)).length;

  test('429 with Retry-After is waited for, then the request succeeds', async () => {
    const path = /^\/v2\/faults\/app\/manifests\/v1$/;
    const count = proxy.addRule({ method: 'GET', path, action: { type: 'respond', status: 429, headers: { 'retry-after': '1' } } });
    const before = hits(path);
    const fetched = await client.getManifest('faults/app', 'v1');
    assert.equal(fetched.descriptor.digest, image.digest);
    assert.equal(count(), 1);
    assert.equal(hits(path) - before, 2, 'one 429, one success');
  });

  test('503 twice, then success; 503 forever gives up after 4 attempts naming the request', async () => {
    const path = /^\/v2\/faults\/app\/tags\/list/;
    proxy.addRule({
      path,
      times: 2,
      action: { type: 'respond', status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}' },
    });
    assert.deepEqual(await client.listTags('faults/app'), ['v1']);
    proxy.addRule({
      path,
      times: 10,
      action: { type: 'respond', status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}' },
    });
    const before = hits(path);
    await assert.rejects(
      client.listTags('faults/app'),
      expectError(
        'REGISTRY',
        /^GET 127\.0\.0\.1:\d+\/v2\/faults\/app\/tags\/list failed with HTTP 503 \(UNAVAILABLE: try later\): gave up after 4 attempts$/,
      ),
    );
    assert.equal(hits(path) - before, 4);
    proxy.clearRules();
  });

  test('a Retry-After longer than the limit fails at once and says how long to wait', async () => {
    const path = /^\/v2\/faults\/app\/manifests\/v1$/;
    proxy.addRule({ method: 'HEAD', path, action: { type: 'respond', status: 429, headers: { 'retry-after': '3600' } } });
    await assert.rejects(client.headManifest('faults/app', 'v1'), expectError('REGISTRY', /HTTP 429.*the registry asks to wait 3600 s/));
    proxy.clearRules();
  });

  test('a HEAD without Docker-Content-Digest falls back to GET and hashing', async () => {
    proxy.addRule({
      method: 'HEAD',
      path: /^\/v2\/faults\/app\/manifests\/v1$/,
      action: { type: 'respond', status: 200, headers: { 'content-type': image.mediaType } },
    });
    const head = await client.headManifest('faults/app', 'v1');
    assert.equal(head?.digest, image.digest);
    assert.equal(head?.mediaType, image.mediaType);
  });

  test('a manifest whose bytes do not match its digest is refused, by digest and by tag', async () => {
    const tamper = (body: Buffer) =>
      Buffer.from(body.toString().replace('"schemaVersion": 2', '"schemaVersion":2').replace('"schemaVersion":2', '"schemaVersion":  2'));
    proxy.addRule({ method: 'GET', path: /^\/v2\/faults\/app\/manifests\/sha256:/, action: { type: 'rewrite', transform: tamper } });
    await assert.rejects(
      client.getManifest('faults/app', image.digest),
      expectError(
        'DIGEST_MISMATCH',
        new RegExp(`manifest ${proxy.host.replace(/\./g, '\\.')}/faults/app@${image.digest} does not match its digest`),
      ),
    );
    proxy.addRule({ method: 'GET', path: /^\/v2\/faults\/app\/manifests\/v1$/, action: { type: 'rewrite', transform: tamper } });
    await assert.rejects(
      client.getManifest('faults/app', 'v1'),
      expectError('DIGEST_MISMATCH', /faults\/app:v1 does not match its digest/),
    );
  });

  test('a connection dropped mid-blob fails the stream; an upload fed by an opener restarts and lands intact', async () => {
    const digest = sha256(layer);
    const blobPath = new RegExp(`^/v2/faults/app/blobs/${digest}`);
    proxy.addRule({ method: 'GET', path: blobPath, action: { type: 'drop-response', bytes: 1000 } });
    const broken = await client.getBlob('faults/app', digest);
    await assert.rejects(readAll(broken.stream), expectError('NETWORK', /broke after \d+ of \d+ bytes/));

    proxy.addRule({ method: 'GET', path: blobPath, action: { type: 'drop-response', bytes: 5000 } });
    const destination = pool.get('registry', plain.host) as HttpRegistry;
    let opened = 0;
    await destination.uploadBlob('copied/app', digest, layer.length, async () => {
      opened += 1;
      return (await client.getBlob('faults/app', digest)).stream;
    });
    assert.equal(opened, 2, 'the first attempt broke and the upload restarted from the start');
    assert.ok((await destination.getBlobBytes('copied/app', digest)).equals(layer));
  });

  test('a source stream that broke before the upload read it fails that attempt at once (it hung before)', async () => {
    // The race behind the flaky run: the GET broke while the upload's POST was in flight, so the
    // broken stream's one 'error' event had already passed when the PUT started to read it.
    const digest = sha256(layer);
    proxy.addRule({ method: 'GET', path: new RegExp(`^/v2/faults/app/blobs/${digest}`), action: { type: 'drop-response', bytes: 5000 } });
    const destination = pool.get('registry', plain.host) as HttpRegistry;
    let opened = 0;
    await destination.uploadBlob('copied/late', digest, layer.length, async () => {
      opened += 1;
      const { stream } = await client.getBlob('faults/app', digest);
      if (opened === 1) await finished(stream).catch(() => undefined);
      return stream;
    });
    assert.equal(opened, 2);
    assert.ok((await destination.getBlobBytes('copied/late', digest)).equals(layer));
  });

  test('an upload whose connection dies is retried from the start and never committed half-way', async () => {
    const content = Buffer.alloc(200_000, 3);
    const digest = sha256(content);
    proxy.addRule({ method: 'PUT', path: /^\/v2\/faults\/upload\/blobs\/uploads\//, action: { type: 'drop-request', bytes: 50_000 } });
    let opened = 0;
    await client.uploadBlob('faults/upload', digest, content.length, () => {
      opened += 1;
      return Promise.resolve(Readable.from([content.subarray(0, 100_000), content.subarray(100_000)]));
    });
    assert.equal(opened, 2);
    assert.ok((await client.getBlobBytes('faults/upload', digest)).equals(content));
  });

  test('a redirect to another origin does not carry the Authorization header; a same-origin one does', async () => {
    const digest = sha256(layer);
    proxy.addRule({
      method: 'GET',
      path: new RegExp(`^/v2/faults/app/blobs/${digest}$`),
      action: { type: 'redirect', location: (p) => `${far.url}/storage${p}?X-Amz-Signature=abc` },
    });
    const blob = await client.getBlob('faults/app', digest);
    assert.ok((await readAll(blob.stream)).equals(layer));
    assert.equal(far.received.length, 1);
    assert.equal(far.received[0]!.headers.authorization, undefined, 'the storage host never sees the credentials');
    assert.ok(!JSON.stringify(far.received).includes(password));

    proxy.addRule({
      method: 'GET',
      path: new RegExp(`^/v2/faults/app/blobs/${digest}$`),
      action: { type: 'redirect', location: (p) => `${proxy.url}${p}?same-origin=1` },
    });
    const again = await client.getBlob('faults/app', digest);
    assert.ok((await readAll(again.stream)).equals(layer), 'the registry behind the same origin still got the credentials');
    assert.equal(far.received.length, 1);
  });

  test('a HEAD and a GET of a manifest redirected to another origin do not carry the Authorization header', async () => {
    const raw = (await rawManifest(registry, 'faults/app', 'v1'))!;
    const mirror = await startRecordingServer(() => ({
      status: 200,
      body: raw.bytes,
      headers: { 'content-type': raw.mediaType, 'docker-content-digest': raw.digest },
    }));
    try {
      const manifests = /^\/v2\/faults\/app\/manifests\/v1$/;
      proxy.addRule({
        method: 'HEAD',
        path: manifests,
        action: { type: 'redirect', status: 307, location: (p) => `${mirror.url}/cdn${p}` },
      });
      assert.deepEqual(await client.headManifest('faults/app', 'v1'), {
        mediaType: raw.mediaType,
        digest: raw.digest,
        size: raw.bytes.length,
      });
      proxy.addRule({ method: 'GET', path: manifests, action: { type: 'redirect', location: (p) => `${mirror.url}/cdn${p}` } });
      const fetched = await client.getManifest('faults/app', 'v1');
      assert.ok(fetched.bytes.equals(raw.bytes));
      assert.deepEqual(
        mirror.received.map((r) => r.method),
        ['HEAD', 'GET'],
      );
      for (const request of mirror.received)
        assert.equal(request.headers.authorization, undefined, `${request.method} to the other origin carried credentials`);
      const viaProxy = proxy.requests.filter((r) => manifests.test(r.path)).slice(-2);
      assert.deepEqual(
        viaProxy.map((r) => [r.method, r.hadAuthorization]),
        [
          ['HEAD', true],
          ['GET', true],
        ],
        'the registry itself was asked with credentials',
      );
    } finally {
      await mirror.stop();
    }
  });

  test('a registry that is down fails with NETWORK after bounded retries, naming the request', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const down = createRegistryPool({ hosts: {}, retry: { baseDelayMs: 5 } }).get('registry', host);
    await assert.rejects(
      down.listTags('x'),
      expectError(
        'NETWORK',
        new RegExp(`^GET ${host}/v2/x/tags/list failed after 4 attempts: .*ECONNREFUSED.*: check that ${host} is running and reachable$`),
      ),
    );
    assert.equal(down.stats().requests, 4);
  });
});
