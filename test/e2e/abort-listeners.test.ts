/**
 * A run hands one AbortSignal to every request. With more than 10 requests in flight or queued on it, each adding
 * its own 'abort' listener, Node printed MaxListenersExceededWarning on stderr during apply. Requests, slot waits
 * and blob streams now share one listener per signal.
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { createRegistryPool } from '../../src/registry/pool.js';
import { pushImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';

describe('many requests on one AbortSignal', () => {
  let registry: RegistryInstance;

  before(async () => {
    registry = await startRegistry();
    await pushImage(registry, 'team/app', 'v1', { created: '2024-05-01T00:00:00Z', content: 'listeners', layers: 2, layerSize: 4096 });
  });
  after(() => registry?.stop());

  it('40 at once (16 in flight, the rest waiting for a slot) emit no warning and hold one listener', async () => {
    const pool = createRegistryPool({ hosts: { [registry.host]: { maxConcurrency: 16 } } });
    const client = pool.get('registry', registry.host);
    const { signal } = new AbortController();
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    let mostListeners = 0;
    const sample = setInterval(() => (mostListeners = Math.max(mostListeners, getEventListeners(signal, 'abort').length)), 1);
    try {
      const manifest = await client.getManifest('team/app', 'v1', { signal });
      const blobs = [manifest.manifest.kind === 'manifest' ? manifest.manifest.layers : []].flat();
      const calls = Array.from({ length: 40 }, (_, i) => {
        if (i % 4 === 0)
          return client.getBlob('team/app', blobs[0]!.digest, { signal }).then(async ({ stream }) => void (await stream.toArray()));
        if (i % 4 === 1) return client.listTags('team/app', { signal });
        return client.headManifest('team/app', 'v1', { signal });
      });
      mostListeners = Math.max(mostListeners, getEventListeners(signal, 'abort').length);
      await Promise.all(calls);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      clearInterval(sample);
      process.off('warning', onWarning);
      await pool.close();
    }
    assert.deepEqual(warnings, []);
    assert.ok(mostListeners <= 1, `${mostListeners} abort listeners on the run's signal`);
  });
});
