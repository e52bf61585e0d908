import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { pushImage, rawManifest, seed } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { ensureTools } from '../harness/tools.js';
import type { HttpRegistry } from '../../src/registry/http/client.js';
import { createRegistryPool } from '../../src/registry/pool.js';
import { canDelete, canMount } from '../../src/registry/types.js';
import type { Registry } from '../../src/registry/types.js';
import { isRegsyncError } from '../../src/util/errors.js';

const CREATED = '2024-03-01T12:00:00Z';
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const code = (expected: string) => (error: unknown) => isRegsyncError(error) && error.code === expected;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('HTTP registry client against a plain-HTTP Distribution registry', () => {
  let registry: RegistryInstance;
  let client: Registry;
  const pool = createRegistryPool({ hosts: {}, pageSize: 2 });

  before(async () => {
    await ensureTools();
    registry = await startRegistry();
    client = pool.get('registry', registry.host);
  });
  after(async () => {
    await pool.close();
    await registry?.stop();
  });

  test('loopback hosts speak plain HTTP by default; ping works', async () => {
    await client.ping();
    assert.equal(client.name, registry.host);
    assert.equal(pool.get('registry', registry.host), client, 'one client per host');
  });

  test('catalog of several pages (n=2) is listed to the end', async () => {
    const names = ['pg/a', 'pg/b', 'pg/c', 'pg/d', 'pg/e'];
    await seed(
      registry,
      names.map((repository) => ({ repository, tag: 'v1', spec: { created: CREATED, content: repository } })),
    );
    const before = client.stats().byHostAndMethod[`${registry.host} GET`] ?? 0;
    const repositories = await client.listRepositories();
    assert.deepEqual(repositories.filter((r) => r.startsWith('pg/')).sort(), names);
    const pages = (client.stats().byHostAndMethod[`${registry.host} GET`] ?? 0) - before;
    assert.ok(pages >= 3, `the catalog took ${pages} requests: it must have followed Link headers`);
  });

  test('a catalog whose maxentries is below our page size (n refused with PAGINATION_NUMBER_INVALID) is still listed to the end', async () => {
    // Distribution reads its config from REGISTRY_* variables too: catalog.maxentries 2, so n=1000 is a 400.
    process.env.REGISTRY_CATALOG_MAXENTRIES = '2';
    const small = await startRegistry().finally(() => delete process.env.REGISTRY_CATALOG_MAXENTRIES);
    const reader = createRegistryPool({ hosts: {} });
    try {
      const names = ['mx/a', 'mx/b', 'mx/c', 'mx/d', 'mx/e'];
      await seed(
        small,
        names.map((repository) => ({ repository, tag: 'v1', spec: { created: CREATED, content: repository } })),
      );
      const probe = await fetch(`${small.url}/v2/_catalog?n=1000`);
      assert.equal(probe.status, 400, 'the registry refuses n above its maxentries');
      await probe.body?.cancel();
      const client = reader.get('registry', small.host);
      assert.deepEqual([...(await client.listRepositories())].sort(), names);
      assert.ok(client.stats().requests >= 4, `one refused request, then pages of 2 by Link (${client.stats().requests} requests)`);
    } finally {
      await reader.close();
      await small.stop();
    }
  });

  test('a repository with 260 tags lists every tag (Distribution ignores n)', async () => {
    const tags = Array.from({ length: 260 }, (_, i) => `t${String(i).padStart(3, '0')}`);
    const image = await pushImage(registry, 'many/tags', tags[0]!, { created: CREATED, content: 'many' });
    const bytes = (await rawManifest(registry, 'many/tags', tags[0]!))!;
    // Tags of one manifest: PUT the same bytes under each tag.
    const writer = pool.get('registry', registry.host);
    for (const tag of tags.slice(1)) await writer.putManifest('many/tags', tag, bytes.bytes, bytes.mediaType);
    const reader = createRegistryPool({ hosts: {} }).get('registry', registry.host);
    const listed = await reader.listTags('many/tags');
    assert.deepEqual([...listed].sort(), tags);
    assert.equal(reader.stats().requests, 1, 'default page size 1000: one request for 260 tags');
    console.log(`listing 260 tags: ${JSON.stringify(reader.stats().byHostAndMethod)}`);
    const head = await reader.headManifest('many/tags', 't007');
    assert.deepEqual(head, { mediaType: image.mediaType, digest: image.digest, size: bytes.bytes.length });
    assert.equal(reader.stats().byHostAndMethod[`${registry.host} HEAD`], 1, 'HEAD of a tag is one request');
  });

  test('empty and missing repositories list no tags', async () => {
    assert.deepEqual(await client.listTags('does/not-exist'), []);
    const image = await pushImage(registry, 'emptied/repo', 'only', { created: CREATED, content: 'emptied' });
    assert.ok(canDelete(client));
    await client.deleteManifest('emptied/repo', image.digest);
    assert.deepEqual(await client.listTags('emptied/repo'), [], 'Distribution answers "tags": null');
  });

  test('HEAD and GET manifests; GET verifies the digest; missing → null / NOT_FOUND', async () => {
    const index = await pushImage(registry, 'img/multi', '1.0', {
      created: CREATED,
      format: 'docker',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    const raw = (await rawManifest(registry, 'img/multi', '1.0'))!;
    const head = await client.headManifest('img/multi', '1.0');
    assert.deepEqual(head, {
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      digest: index.digest,
      size: raw.bytes.length,
    });
    const byTag = await client.getManifest('img/multi', '1.0');
    assert.ok(byTag.bytes.equals(raw.bytes));
    assert.equal(byTag.descriptor.digest, index.digest);
    assert.equal(byTag.manifest.kind, 'index');
    const byDigest = await client.getManifest('img/multi', index.digest);
    assert.equal(byDigest.descriptor.digest, index.digest);
    assert.equal(await client.headManifest('img/multi', 'nope'), null);
    await assert.rejects(client.getManifest('img/multi', 'nope'), (error: unknown) => {
      assert.ok(isRegsyncError(error));
      assert.equal(error.code, 'NOT_FOUND');
      assert.match(error.message, /img\/multi:nope not found on 127\.0\.0\.1:\d+ \(MANIFEST_UNKNOWN/);
      return true;
    });
  });

  test('blobs: upload streamed, head, get streamed and verified, mount across repositories', async () => {
    const content = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    for (let i = 0; i < content.length; i += 4096) content[i] = i % 251;
    const digest = sha256(content);
    const statsBefore = client.stats();
    await client.uploadBlob('blobs/one', digest, content.length, Readable.from([content.subarray(0, 1000), content.subarray(1000)]));
    assert.equal(client.stats().bytesUploaded - statsBefore.bytesUploaded, content.length);
    assert.deepEqual(await client.headBlob('blobs/one', digest), { mediaType: 'application/octet-stream', digest, size: content.length });
    const blob = await client.getBlob('blobs/one', digest);
    assert.equal(blob.size, content.length);
    assert.ok((await readAll(blob.stream)).equals(content));
    assert.ok((await client.getBlobBytes('blobs/one', digest)).equals(content));
    assert.ok(canMount(client));
    assert.deepEqual(await client.mountBlob('blobs/two', digest, 'blobs/one'), { mounted: true });
    assert.ok(await client.headBlob('blobs/two', digest));
    const missing = sha256(Buffer.from('never uploaded'));
    const declined = await client.mountBlob('blobs/three', missing, 'blobs/one');
    assert.ok(!declined.mounted && declined.session !== null, '202: the registry opened an upload instead, and said where');
    assert.equal(declined.session.repository, 'blobs/three');
    assert.equal(await client.headBlob('blobs/three', missing), null);
  });

  test('a declined mount hands its upload session to the upload: one PUT, no second POST', async () => {
    const content = Buffer.from('uploaded into the session a refused mount opened');
    const digest = sha256(content);
    assert.ok(canMount(client));
    const declined = await client.mountBlob('session/dst', digest, 'session/nowhere');
    assert.ok(!declined.mounted && declined.session !== null);
    const count = (method: string) => client.stats().byHostAndMethod[`${registry.host} ${method}`] ?? 0;
    const [posts, puts] = [count('POST'), count('PUT')];
    await client.uploadBlob('session/dst', digest, content.length, Readable.from([content]), { session: declined.session });
    assert.equal(count('POST') - posts, 0, 'no new upload session');
    assert.equal(count('PUT') - puts, 1, 'the body went into the session in one PUT');
    assert.deepEqual(await client.headBlob('session/dst', digest), { mediaType: 'application/octet-stream', digest, size: content.length });
  });

  test('maxConcurrency 1: uploads fed by downloads from the same host do not deadlock on the shared cap', async () => {
    const capped = createRegistryPool({ hosts: { [registry.host]: { maxConcurrency: 1 } } });
    try {
      const host = capped.get('registry', registry.host);
      // Several blobs of a few MiB each: more than socket buffers hold, so a download body is still being
      // read while the upload it feeds holds the host's only slot, and other transfers wait for that slot.
      const blobs = [1, 2, 3].map((n) => Buffer.alloc(4 * 1024 * 1024 + n, n));
      for (const content of blobs) await host.uploadBlob('cap/src', sha256(content), content.length, Readable.from([content]));
      const copies = blobs.map(async (content) => {
        const digest = sha256(content);
        const { stream, size } = await host.getBlob('cap/src', digest);
        await host.uploadBlob('cap/dst', digest, size, stream);
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error('deadlock: the copies did not finish in 20 s')), 20_000)),
      );
      await Promise.race([Promise.all(copies), timeout]).finally(() => clearTimeout(timer));
      for (const content of blobs) assert.equal((await host.headBlob('cap/dst', sha256(content)))?.size, content.length);
    } finally {
      await capped.close();
    }
  });

  test('an upload whose bytes do not match the digest is aborted and nothing is stored', async () => {
    const content = Buffer.from('the real bytes '.repeat(1000));
    const claimed = sha256(Buffer.from('other bytes'));
    await assert.rejects(client.uploadBlob('blobs/bad', claimed, content.length, Readable.from([content])), code('DIGEST_MISMATCH'));
    assert.equal(await client.headBlob('blobs/bad', claimed), null);
    assert.equal(await client.headBlob('blobs/bad', sha256(content)), null);
  });

  test('manifests PUT return the stored digest', async () => {
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', created: CREATED, rootfs: { type: 'layers', diff_ids: [] } }),
    );
    const configDigest = sha256(config);
    await client.uploadBlob('put/manifest', configDigest, config.length, Readable.from([config]));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: [],
      }),
    );
    const stored = await client.putManifest('put/manifest', 'v1', manifest, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(stored, sha256(manifest));
    assert.ok((await rawManifest(registry, 'put/manifest', 'v1'))!.bytes.equals(manifest));
  });

  test('delete by digest removes the manifest; delete by tag is refused before any request', async () => {
    const image = await pushImage(registry, 'del/me', 'v1', { created: CREATED, content: 'del' });
    assert.ok(canDelete(client));
    await assert.rejects(client.deleteManifest('del/me', 'v1'), code('USAGE'));
    await client.deleteManifest('del/me', image.digest);
    assert.equal(await client.headManifest('del/me', 'v1'), null);
  });

  test('stats count requests per host and method, and the pool sums them', () => {
    const stats = pool.stats();
    assert.ok(stats.requests > 0);
    assert.equal(
      stats.requests,
      Object.values(stats.byHostAndMethod).reduce((a, b) => a + b, 0),
    );
    assert.ok((stats.byHostAndMethod[`${registry.host} PUT`] ?? 0) > 0);
    assert.ok(stats.bytesDownloaded > 3 * 1024 * 1024);
  });
});

describe('rate limits: which 429s spend a host budget (a real registry behind the fault proxy)', () => {
  let registry: RegistryInstance;
  let proxy: FaultProxy;
  const pools: Array<ReturnType<typeof createRegistryPool>> = [];
  const clientOf = (retry: { attempts: number }): HttpRegistry => {
    const pool = createRegistryPool({ hosts: {}, retry: { ...retry, baseDelayMs: 1 } });
    pools.push(pool);
    return pool.get('registry', proxy.host) as HttpRegistry;
  };

  before(async () => {
    await ensureTools();
    registry = await startRegistry();
    proxy = await startFaultProxy(registry);
    await pushImage(registry, 'limits/app', 'v1', { created: CREATED, content: 'limits' });
  });
  after(async () => {
    await Promise.all(pools.map((pool) => pool.close()));
    await proxy?.stop();
    await registry?.stop();
  });

  const refuse = (headers: Record<string, string>, method = 'GET', path = /\/manifests\//) =>
    proxy.addRule({ method, path, times: 1, action: { type: 'respond', status: 429, headers, body: 'slow down' } });

  test('a burst 429 (Retry-After: 1) that runs out of attempts fails the request but leaves the host open', async () => {
    const client = clientOf({ attempts: 1 });
    refuse({ 'retry-after': '1' });
    await assert.rejects(client.getManifest('limits/app', 'v1'), (error: unknown) => isRegsyncError(error) && error.status === 429);
    assert.equal(client.rateLimitReached(), null);
    assert.ok(await client.getManifest('limits/app', 'v1'));
  });

  test('a 429 asking to wait beyond a retry, or saying none remains, spends the budget until the time given', async () => {
    const client = clientOf({ attempts: 1 });
    const before = Date.now();
    refuse({ 'retry-after': '3600' });
    await assert.rejects(client.getManifest('limits/app', 'v1'));
    const retryAt = client.rateLimitReached()?.retryAt ?? 0;
    assert.ok(retryAt >= before + 3_600_000, `spent until ${retryAt}`);
    const other = clientOf({ attempts: 1 });
    refuse({ 'ratelimit-remaining': '0;w=21600' });
    await assert.rejects(other.getManifest('limits/app', 'v1'));
    assert.deepEqual(other.rateLimitReached(), { retryAt: null, windowSeconds: 21600 });
  });

  test('a retryable 429 on a streamed PUT (the blob copy restarts it) does not spend the budget', async () => {
    const client = clientOf({ attempts: 4 });
    const content = Buffer.from('a streamed upload refused once with a short Retry-After');
    refuse({ 'retry-after': '1' }, 'PUT', /\/blobs\/uploads\//);
    await assert.rejects(
      client.uploadBlob('limits/blob', sha256(content), content.length, Readable.from([content])),
      (error: unknown) => isRegsyncError(error) && error.status === 429,
    );
    assert.equal(client.rateLimitReached(), null);
  });
});
