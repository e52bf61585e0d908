/**
 * Every Registry call takes `{ signal }`: requests in flight, retries, waits for a slot and body streams stop
 * when it fires, with an ABORTED RegsyncError; an aborted copy leaves no tag. A blob is hashed once on its way (the
 * GET's verifying stream; the upload only counts bytes): damaged source bytes are still never committed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { copyImage } from '../../src/registry/copy.js';
import { createRegistryPool } from '../../src/registry/pool.js';
import { isRegsyncError } from '../../src/util/errors.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { pushImage, rawManifest } from '../harness/images.js';
import type { PushedImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { startStallingServer } from '../harness/stalling-server.js';
import type { StallingServer } from '../harness/stalling-server.js';

const aborted = (error: unknown): boolean => {
  assert.ok(isRegsyncError(error), String(error));
  assert.equal(error.code, 'ABORTED', error.message);
  return true;
};

describe('aborting registry calls with an AbortSignal', () => {
  let source: RegistryInstance;
  let target: RegistryInstance;
  let proxy: FaultProxy;
  let silent: StallingServer;
  let image: PushedImage;
  const pool = createRegistryPool({ hosts: {}, retry: { baseDelayMs: 20 } });
  /** team/app:v1 from the source (through the proxy) to `repository`:v1 at the target. */
  const copyOfV1To = (repository: string) => ({
    source: pool.get('registry', proxy.host),
    sourceRepository: 'team/app',
    sourceReference: 'v1',
    target: pool.get('registry', target.host),
    targetRepository: repository,
    targetTag: 'v1',
  });

  before(async () => {
    [source, target, silent] = await Promise.all([startRegistry(), startRegistry(), startStallingServer()]);
    image = await pushImage(source, 'team/app', 'v1', { created: '2024-05-01T00:00:00Z', content: 'abort', layers: 2, layerSize: 200_000 });
    proxy = await startFaultProxy(source);
  });
  after(async () => {
    await pool.close();
    await Promise.all([proxy?.stop(), silent?.stop()]);
    await Promise.all([source?.stop(), target?.stop()]);
  });

  it('an already fired signal sends nothing', async () => {
    const before = proxy.requests.length;
    await assert.rejects(pool.get('registry', proxy.host).listTags('team/app', { signal: AbortSignal.abort() }), aborted);
    assert.equal(proxy.requests.length, before);
  });

  it('a request waiting for an answer stops when the signal fires, without retries', async () => {
    const controller = new AbortController();
    const notices: string[] = [];
    const stuck = createRegistryPool({ hosts: {}, onRetry: (notice) => notices.push(notice.reason) });
    const waiting = stuck.get('registry', silent.host).headManifest('team/app', 'v1', { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(waiting, aborted);
    assert.deepEqual(notices, []);
    await stuck.close();
  });

  it('a blob stream in flight fails with ABORTED', async () => {
    const controller = new AbortController();
    const manifest = JSON.parse((await rawManifest(source, 'team/app', 'v1'))!.bytes.toString()) as { layers: Array<{ digest: string }> };
    const { stream } = await pool
      .get('registry', proxy.host)
      .getBlob('team/app', manifest.layers[0]!.digest, { signal: controller.signal });
    stream.once('data', () => controller.abort());
    await assert.rejects(
      (async () => {
        for await (const _chunk of stream) void _chunk;
      })(),
      aborted,
    );
  });

  it('copyImage aborted after its first blob rejects with ABORTED and writes no tag', async () => {
    const controller = new AbortController();
    await assert.rejects(
      copyImage({
        ...copyOfV1To('copied/app'),
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'blob') controller.abort();
        },
      }),
      aborted,
    );
    assert.equal(await rawManifest(target, 'copied/app', 'v1'), null);
    assert.equal(await rawManifest(target, 'copied/app', image.digest), null);
  });

  it('hashed once between GET and PUT: bytes damaged at the source (same length) are refused: no blob, no tag at the target', async () => {
    const manifest = JSON.parse((await rawManifest(source, 'team/app', 'v1'))!.bytes.toString('utf8')) as {
      layers: Array<{ digest: string }>;
    };
    const digest = manifest.layers[0]!.digest;
    const flip = (body: Buffer): Buffer => Buffer.from(body.map((byte, i) => (i === 100 ? byte ^ 0xff : byte)));
    proxy.addRule({ method: 'GET', path: new RegExp(`/blobs/${digest}$`), times: 20, action: { type: 'rewrite', transform: flip } });
    await assert.rejects(
      copyImage({
        ...copyOfV1To('damaged/app'),
      }),
      (error: unknown) => isRegsyncError(error) && error.code === 'DIGEST_MISMATCH',
    );
    const head = await fetch(`${target.url}/v2/damaged/app/blobs/${digest}`, { method: 'HEAD' });
    assert.equal(head.status, 404, 'the damaged layer was not committed');
    assert.equal(await rawManifest(target, 'damaged/app', 'v1'), null);
  });
});
