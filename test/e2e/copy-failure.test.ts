/**
 * A copy that fails part way, against REAL registries behind a fault proxy: no further blob starts after the first
 * failure, copyImage rejects only once the running transfers settled, and the next copy of the same image does not
 * inherit the failure (a regression: Promise.all left transfers running, shared in flight with the re-run).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { copyImage } from '../../src/registry/copy.js';
import { createRegistryPool } from '../../src/registry/pool.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { pushImage, rawManifest } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';

let source: RegistryInstance;
let target: RegistryInstance;
let proxy: FaultProxy;
before(async () => {
  await ensureTools();
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  proxy = await startFaultProxy(source);
});
after(async () => {
  await proxy?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
});

it('stops starting blobs after the first failure, settles, and a re-run copies the image', async () => {
  const image = await pushImage(source, 'team/big', 'v1', { created: '2024-01-01T00:00:00Z', content: 'big', layers: 12 });
  const dockerConfigDir = await makeTempDir('dockercfg');
  const copy = (pool: ReturnType<typeof createRegistryPool>) =>
    copyImage({
      source: pool.get('registry', proxy.host),
      sourceRepository: 'team/big',
      sourceReference: image.digest,
      target: pool.get('registry', target.host),
      targetRepository: 'mirror/big',
      targetTag: 'v1',
    });
  const missing = JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
  // Every blob GET fails: with only the first failing (the rule's default of one hit), blobs that succeeded freed
  // their slots while the failing one still cancelled its upload session, so under load one or two more started
  // before its error was known, and the bound below depended on timing.
  proxy.addRule({ method: 'GET', path: /\/blobs\//, times: 1000, action: { type: 'respond', status: 404, body: missing } });
  const first = createRegistryPool({ hosts: {}, dockerConfigDir, retry: { baseDelayMs: 20 } });
  await assert.rejects(copy(first), /blob/i);
  // As apply does when a run ends: transfers still running now would fail, and the re-run would share them.
  await first.close();
  const blobGets = () => proxy.requests.filter((request) => request.method === 'GET' && request.path.includes('/blobs/')).length;
  // 13 blobs (config + 12 layers), 4 at a time: the failure is seen before the fifth starts.
  assert.ok(blobGets() <= 4, `${blobGets()} blob GETs after the failure`);
  assert.equal(await rawManifest(target, 'mirror/big', 'v1'), null, 'no tag over a partial image');

  proxy.clearRules();
  const second = createRegistryPool({ hosts: {}, dockerConfigDir, retry: { baseDelayMs: 20 } });
  const result = await copy(second);
  assert.equal(result.digest, image.digest);
  await second.close();
});
