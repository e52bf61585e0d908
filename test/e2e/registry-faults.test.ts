import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
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
import { copyImage } from '../../src/registry/copy.js';
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

  /** The first layer's digest of `repository:tag` on `on`. */
  const firstLayer = async (on: RegistryInstance, repository: string, tag: string): Promise<string> =>
    (JSON.parse((await rawManifest(on, repository, tag))!.bytes.toString()) as { layers: Array<{ digest: string }> }).layers[0]!.digest;

  test('a connection dropped mid-blob fails the stream; a copy restarts it from a fresh GET and lands intact', async () => {
    const digest = sha256(layer);
    const blobPath = new RegExp(`^/v2/faults/app/blobs/${digest}`);
    proxy.addRule({ method: 'GET', path: blobPath, action: { type: 'drop-response', bytes: 1000 } });
    const broken = await client.getBlob('faults/app', digest);
    await assert.rejects(readAll(broken.stream), expectError('NETWORK', /broke after \d+ of \d+ bytes/));

    proxy.addRule({ method: 'GET', path: blobPath, action: { type: 'drop-response', bytes: 5000 } });
    const before = hits(blobPath);
    const destination = pool.get('registry', plain.host) as HttpRegistry;
    const result = await copyImage({
      source: client,
      sourceRepository: 'faults/app',
      sourceReference: 'v1',
      target: destination,
      targetRepository: 'copied/app',
      targetTag: 'v1',
    });
    assert.equal(result.digest, image.digest);
    assert.equal(hits(blobPath) - before, 2, 'the first GET broke and the copy restarted from the start');
    assert.ok((await destination.getBlobBytes('copied/app', digest)).equals(layer));
  });

  test('a persistent 503 on a blob GET costs exactly the configured attempts (4), not attempts times restarts', async () => {
    const digest = sha256(layer);
    const blobPath = new RegExp(`^/v2/faults/app/blobs/${digest}`);
    proxy.addRule({ method: 'GET', path: blobPath, times: 100, action: { type: 'respond', status: 503, body: 'busy' } });
    const before = hits(blobPath);
    const restarts: number[] = [];
    try {
      await assert.rejects(
        copyImage({
          source: client,
          sourceRepository: 'faults/app',
          sourceReference: 'v1',
          target: pool.get('registry', plain.host),
          targetRepository: 'copied/busy',
          targetTag: 'v1',
          onProgress: (event) => event.type === 'retry' && restarts.push(event.attempt),
        }),
        expectError('REGISTRY', /HTTP 503.*gave up after 4 attempts/),
      );
      assert.equal(hits(blobPath) - before, 4);
      assert.deepEqual(restarts, [], 'the transport retried; the copy had nothing left to restart with');
    } finally {
      proxy.clearRules();
    }
  });

  test('a source stream that broke before the upload read it fails the upload at once (it hung before)', async () => {
    // The race behind a flaky run: the GET broke while the upload's POST was in flight, so the
    // broken stream's one 'error' event had already passed when the PUT started to read it.
    const digest = sha256(layer);
    proxy.addRule({ method: 'GET', path: new RegExp(`^/v2/faults/app/blobs/${digest}`), action: { type: 'drop-response', bytes: 5000 } });
    const destination = pool.get('registry', plain.host) as HttpRegistry;
    const { stream } = await client.getBlob('faults/app', digest);
    await finished(stream).catch(() => undefined);
    await assert.rejects(destination.uploadBlob('copied/late', digest, layer.length, stream), expectError('NETWORK', /broke after/));
    assert.equal(await destination.headBlob('copied/late', digest), null, 'nothing was committed');
  });

  test('an upload whose connection dies is restarted from the start by the copy and never committed half-way', async () => {
    await pushImage(plain, 'src/upload', 'v1', { created: CREATED, content: 'upload', layerSize: 200_000 });
    const digest = await firstLayer(plain, 'src/upload', 'v1');
    const put = new RegExp(`^/v2/faults/upload/blobs/uploads/.*digest=${digest.replace(':', '(:|%3A)')}`);
    proxy.addRule({ method: 'PUT', path: put, action: { type: 'drop-request', bytes: 50_000 } });
    const before = hits(put);
    await copyImage({
      source: pool.get('registry', plain.host),
      sourceRepository: 'src/upload',
      sourceReference: 'v1',
      target: client,
      targetRepository: 'faults/upload',
      targetTag: 'v1',
    });
    assert.equal(hits(put) - before, 2);
    const copied = await client.getBlobBytes('faults/upload', digest);
    assert.equal(sha256(copied), digest);
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

  test('a host whose name does not resolve (ENOTFOUND) fails at once, naming the host, with no retry', async () => {
    const notices: string[] = [];
    const nowhere = createRegistryPool({ hosts: {}, onRetry: (notice) => notices.push(notice.reason) }).get(
      'registry',
      'nonexistent.invalid:5000',
    );
    await assert.rejects(
      nowhere.listTags('x'),
      expectError('NETWORK', /^GET nonexistent\.invalid:5000\/v2\/x\/tags\/list failed after 1 attempt: .*ENOTFOUND nonexistent\.invalid/),
    );
    assert.deepEqual(notices, [], 'no retry line');
    assert.equal(nowhere.stats().requests, 1);
  });

  test('a token request in its retry backoff stops as soon as the call is aborted', async () => {
    // The registry (through the proxy) asks for a Bearer token from a service that answers 503, Retry-After 30.
    const tokenService = await startRecordingServer(() => ({ status: 503, body: Buffer.from('busy'), headers: { 'retry-after': '30' } }));
    const events: string[] = [];
    const controller = new AbortController();
    const tokenPool = createRegistryPool({
      hosts: {},
      onRetry: (notice) => {
        events.push(`retry ${notice.method} ${notice.path} (attempt ${notice.attempt} of ${notice.attempts}): ${notice.reason}`);
        controller.abort(new Error('interrupted'));
      },
    });
    proxy.addRule({
      method: 'GET',
      path: /^\/v2\/faults\/app\/tags\/list/,
      action: {
        type: 'respond',
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="${tokenService.url}/token",service="faults"` },
      },
    });
    try {
      await assert.rejects(
        tokenPool.get('registry', proxy.host).listTags('faults/app', { signal: controller.signal }),
        (error: unknown) => {
          events.push(
            `rejected ${isRegsyncError(error) ? error.code : String(error)} after ${tokenService.received.length} token request(s)`,
          );
          return true;
        },
      );
      assert.deepEqual(events, ['retry GET /token (attempt 2 of 4): HTTP 503', 'rejected ABORTED after 1 token request(s)']);
    } finally {
      proxy.clearRules();
      await Promise.all([tokenPool.close(), tokenService.stop()]);
    }
  });
});
