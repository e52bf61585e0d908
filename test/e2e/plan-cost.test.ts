/**
 * What `regsync plan` costs against REAL registries (request counts, never time), the facts cache
 * across runs, seed-flag mode, and an unreachable registry.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPoolForConfig } from '../../src/run/pool.js';
import { loadConfig } from '../../src/config/load.js';
import { openFactsCache } from '../../src/inventory/facts-cache.js';
import { gatherInventory } from '../../src/inventory/gather.js';
import { inventorySelection } from '../../src/plan/tag-selection.js';
import type { Plan } from '../../src/plan/types.js';
import type { RegistryPool } from '../../src/registry/types.js';
import { freePort } from '../harness/ports.js';
import { makeTempDir } from '../harness/temp.js';
import { cli, MAIN_CONFIG, NOOP_CONFIG, NOW, planEnv, startLab } from './plan-fixture.js';
import type { Lab } from './plan-fixture.js';

let lab: Lab;
before(async () => {
  lab = await startLab();
});
after(async () => {
  await lab?.stop();
});

const selection = inventorySelection(new Date(NOW));

/** Counts Registry method calls on top of the real pool (the requests themselves are counted by pool.stats()). */
function countingPool(pool: RegistryPool, calls: Record<string, number>): RegistryPool {
  return {
    get(scheme, location) {
      const registry = pool.get(scheme, location);
      return new Proxy(registry, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (typeof value !== 'function' || property === 'stats') return value;
          return (...args: unknown[]) => {
            // A tag the destination lacks is read by one GET of its manifest by tag (no HEAD first): counted apart.
            const byTag = property === 'getManifest' && typeof args[1] === 'string' && !args[1].startsWith('sha256:');
            const name = byTag ? 'getManifestByTag' : String(property);
            calls[name] = (calls[name] ?? 0) + 1;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    },
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}

async function gatherCounted(configFile: string, env: NodeJS.ProcessEnv) {
  const config = await loadConfig({ configFile, cwd: lab.dir, env });
  const pool = createPoolForConfig(config, { env });
  const calls: Record<string, number> = {};
  const cache = await openFactsCache({ dir: env.REGSYNC_CACHE_DIR ?? null });
  try {
    const inventory = await gatherInventory({ config, mirrors: config.mirrors, pool: countingPool(pool, calls), selection, cache });
    return { inventory, calls, stats: pool.stats() };
  } finally {
    await pool.close();
  }
}

/** Requests that are not catalog, tag lists or manifest HEADs: pings and auth round trips. */
function overhead(stats: { requests: number }, calls: Record<string, number>): number {
  const accounted = Object.values(calls).reduce((sum, n) => sum + n, 0);
  return stats.requests - accounted;
}

describe('plan cost against real registries', () => {
  it('a second plan with age filters reads no manifest and no config blob (facts cache on disk)', async () => {
    const config = await lab.writeConfig('main.yaml', MAIN_CONFIG);
    const env = await planEnv();
    const first = await gatherCounted(config, env);
    const second = await gatherCounted(config, env);
    assert.ok((first.calls.getManifest ?? 0) > 0, 'the first plan reads manifests for created dates');
    assert.ok((first.calls.getBlobBytes ?? 0) > 0, 'the first plan reads config blobs for created dates');
    assert.equal(second.calls.getManifest, undefined);
    assert.equal(second.calls.getBlobBytes, undefined);
    // The docker mirror's v2.1.0, which the destination lacks: one GET by tag in place of a HEAD, in both runs.
    assert.equal(first.calls.getManifestByTag, 1);
    assert.equal(second.calls.getManifestByTag, 1);
    assert.deepEqual(second.inventory, first.inventory);
    // Every request of the second run is a catalog page, a tag list or a HEAD (plus pings/auth).
    assert.equal(overhead(second.stats, second.calls), overhead(first.stats, first.calls));
    console.log(
      `[cost] main config: first plan ${first.stats.requests} requests (${JSON.stringify(first.calls)}), ` +
        `second plan ${second.stats.requests} requests (${JSON.stringify(second.calls)})`,
    );

    // Through the CLI as well: the plan's stats show the saving and the plans are the same.
    const cliEnv = await planEnv();
    const one = await cli(['plan', '-c', config, '--json'], cliEnv, lab.dir);
    const two = await cli(['plan', '-c', config, '--json'], cliEnv, lab.dir);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    const [p1, p2] = [JSON.parse(one.stdout) as Plan, JSON.parse(two.stdout) as Plan];
    // A cold plan's count may differ by one between two runs, by timing alone: two mirrors read team/app2:v2.1.0,
    // apps by HEAD (date filters) and dock by GET (its destination lacks the tag). Reads are shared by digest,
    // and a GET by tag learns its digest only when it answers: when it answers after apps has started its GET by
    // digest, both GETs were sent (47 against 46 in one CI run). A warm plan reads no manifest, so it is exact.
    assert.ok(Math.abs(p1.stats.requests - first.stats.requests) <= 1, `${p1.stats.requests} against ${first.stats.requests}`);
    assert.equal(p2.stats.requests, second.stats.requests);
    assert.ok(p2.stats.requests < p1.stats.requests);
    assert.deepEqual(p2.changes, p1.changes);
  });

  it('a no-op plan costs at most 2 requests per selected tag plus the tag lists', async () => {
    const config = await lab.writeConfig('noop.yaml', NOOP_CONFIG);
    const env = await planEnv();
    const counted = await gatherCounted(config, env);
    // 3 selected tags; 2 tag lists (source and destination repository); no catalog (names given).
    assert.deepEqual(counted.calls, { listTags: 2, headManifest: 6 });
    const selectedTags = 3;
    const tagLists = 2;
    console.log(
      `[cost] no-op plan: ${counted.stats.requests} requests for ${selectedTags} tags (${JSON.stringify(counted.stats.byHostAndMethod)})`,
    );
    assert.ok(counted.stats.requests <= 2 * selectedTags + tagLists, `${counted.stats.requests} requests`);

    const result = await cli(['plan', '-c', config, '--detailed-exitcode'], env, lab.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /No changes\. The destination is up to date\./);
    const json = await cli(['plan', '-c', config, '--json'], env, lab.dir);
    assert.ok((JSON.parse(json.stdout) as Plan).stats.requests <= 2 * selectedTags + tagLists);
  });

  it('--verbose prints a stats line on stderr (requests per host and method)', async () => {
    const config = await lab.writeConfig('noop.yaml', NOOP_CONFIG);
    const result = await cli(['plan', '-c', config, '--verbose', '--json'], await planEnv(), lab.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`\\d+ requests in [\\d.]+ s: .*${lab.source.host.replace('.', '\\.')} .*HEAD 3`));
    JSON.parse(result.stdout);
  });

  it('seed-flag mode: regsync plan SRC DST -t ^v1 -m 2 keeps the 2 newest v1 tags per repository', async () => {
    const result = await cli(['plan', lab.source.host, lab.destination.host, '-t', '^v1', '-m', '2', '--json'], await planEnv(), lab.dir);
    assert.equal(result.code, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as Plan;
    const creates = plan.changes
      .filter((change) => change.action === 'create')
      .map((change) => change.target.ref.slice(lab.destination.host.length + 1));
    assert.deepEqual(creates.sort(), [
      'other/ignored:v1.0.0',
      'team/app1:v1.1.0',
      'team/app1:v1.2.0',
      'team/tools/cli:v1.0.0',
      'team/tools/cli:v1.1.0',
    ]);
    assert.ok(plan.changes.every((change) => change.mirror === 'sync' && change.executor === 'docker'));
    assert.ok(plan.skipped.some((skip) => skip.ref === `${lab.source.host}/team/app1:v1.0.0` && skip.filter === 'latest'));
  });

  it('an unreachable registry fails with exit 1, naming the host and the cause', async () => {
    const port = await freePort();
    const config = await lab.writeConfig('down.yaml', MAIN_CONFIG.replaceAll('DST', `127.0.0.1:${port}`));
    const result = await cli(['plan', '-c', config, '--json'], await planEnv(), lab.dir);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.match(result.stderr, /ECONNREFUSED|connection refused|connect/i);
  });

  it('a cache dir that cannot be written does not fail the plan (the cache is only an optimisation)', async () => {
    const config = await lab.writeConfig('noop.yaml', NOOP_CONFIG);
    const blocked = await makeTempDir('plan-blocked');
    await writeFile(join(blocked, 'file'), 'not a directory');
    const result = await cli(
      ['plan', '-c', config, '--json'],
      await planEnv({ REGSYNC_CACHE_DIR: join(blocked, 'file', 'regsync') }),
      lab.dir,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as Plan).summary.noop, 3);
  });
});
