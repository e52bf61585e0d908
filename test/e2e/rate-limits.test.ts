/**
 * Pull budgets: RateLimit-Limit / RateLimit-Remaining on manifest responses are recorded per host
 * (pool.rateLimits()), manifest GETs are counted per host (HEADs are free on Docker Hub), and a 429 with a
 * plain-text body (Docker Hub's) is reported with that text. A proxy in front of a real registry adds the
 * headers and answers the 429.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRegistryPool } from '../../src/registry/pool.js';
import { isRegsyncError } from '../../src/util/errors.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { pushImage } from '../harness/images.js';
import type { PushedImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';

const HUB_429 =
  '\n  You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limits  \n';

describe('rate-limit headers and 429s from a proxy in front of a real registry', () => {
  let registry: RegistryInstance;
  let proxy: FaultProxy;
  let image: PushedImage;

  before(async () => {
    registry = await startRegistry();
    image = await pushImage(registry, 'library/app', 'v1', {
      created: '2024-05-01T00:00:00Z',
      content: 'rate',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    proxy = await startFaultProxy(registry);
  });
  after(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  const limited = (remaining: number, times = 100) =>
    proxy.addRule({
      path: /^\/v2\/library\/app\/manifests\//,
      times,
      action: { type: 'add-headers', headers: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': `${remaining};w=21600` } },
    });

  it('records the budget per host, keeps the lowest remaining count, and counts manifest GETs but not HEADs', async () => {
    const pool = createRegistryPool({ hosts: {} });
    try {
      const client = pool.get('registry', proxy.host);
      assert.deepEqual(pool.rateLimits(), {});
      proxy.clearRules();
      limited(76, 2);
      await client.headManifest('library/app', 'v1');
      await client.getManifest('library/app', 'v1');
      assert.deepEqual(pool.rateLimits(), { [proxy.host]: { limit: 100, remaining: 76, windowSeconds: 21600 } });
      limited(75, 1);
      await client.getManifest('library/app', image.platforms[0]!.digest);
      proxy.clearRules();
      limited(77, 1);
      await client.getManifest('library/app', image.platforms[1]!.digest);
      assert.deepEqual(pool.rateLimits(), { [proxy.host]: { limit: 100, remaining: 75, windowSeconds: 21600 } });
      const stats = pool.stats();
      assert.deepEqual(stats.manifestGets, { [proxy.host]: 3 });
      assert.equal(stats.byHostAndMethod[`${proxy.host} HEAD`], 1);
      await client.listTags('library/app');
      assert.deepEqual(pool.stats().manifestGets, { [proxy.host]: 3 }, 'a tag list is no manifest pull');
    } finally {
      await pool.close();
      proxy.clearRules();
    }
  });

  it('a 429 with a plain-text body and the budget spent fails at once with that text, trimmed, and remaining 0', async () => {
    const pool = createRegistryPool({ hosts: {} });
    try {
      proxy.addRule({
        method: 'GET',
        path: /^\/v2\/library\/app\/manifests\/v1$/,
        action: {
          type: 'respond',
          status: 429,
          headers: { 'content-type': 'text/plain', 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '0;w=21600' },
          body: HUB_429,
        },
      });
      await assert.rejects(pool.get('registry', proxy.host).getManifest('library/app', 'v1'), (error: unknown) => {
        assert.ok(isRegsyncError(error), String(error));
        assert.equal(error.code, 'REGISTRY');
        assert.equal(error.status, 429);
        assert.ok(error.message.includes(`(${HUB_429.trim()})`), error.message);
        assert.match(error.message, /^GET 127\.0\.0\.1:\d+\/v2\/library\/app\/manifests\/v1 failed with HTTP 429/);
        return true;
      });
      assert.deepEqual(pool.rateLimits(), { [proxy.host]: { limit: 100, remaining: 0, windowSeconds: 21600 } });
      assert.deepEqual(pool.stats().manifestGets, { [proxy.host]: 1 }, 'not retried: the window is hours long');
    } finally {
      await pool.close();
      proxy.clearRules();
    }
  });
});
