/**
 * Connections are reused (HEAD included) and never exceed a host's maxConcurrency, counted at the TCP
 * level by a pass-through in front of each real registry: for a whole plan, and for a copy whose blob
 * downloads stream while uploads run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { copyImage } from '../../src/registry/copy.js';
import { createRegistryPool } from '../../src/registry/pool.js';
import { startConnectionCounter } from '../harness/connection-counter.js';
import type { ConnectionCounter } from '../harness/connection-counter.js';
import { pushImage, rawManifest } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { cli, MAIN_CONFIG, planEnv, startLab } from './plan-fixture.js';
import type { Lab } from './plan-fixture.js';

const CAP = 2;

describe('connections per host stay within maxConcurrency', () => {
  let lab: Lab;
  let source: ConnectionCounter;
  let destination: ConnectionCounter;

  before(async () => {
    lab = await startLab();
    [source, destination] = await Promise.all([startConnectionCounter(lab.source), startConnectionCounter(lab.destination)]);
  });
  after(async () => {
    await Promise.all([source?.stop(), destination?.stop()]);
    await lab?.stop();
  });

  it(`regsync plan with maxConcurrency ${CAP}: at most ${CAP} connections per host for the whole run`, async () => {
    const hosts = `registries:\n  "${source.host}": {maxConcurrency: ${CAP}}\n  "${destination.host}": {maxConcurrency: ${CAP}}\n`;
    const text = MAIN_CONFIG.replace('version: 1\n', `version: 1\n${hosts}`)
      .replaceAll('SRC', source.host)
      .replaceAll('DST', destination.host);
    const file = await lab.writeConfig('counted.yaml', text);
    const result = await cli(['plan', '-c', file, '--json'], await planEnv(), lab.dir);
    assert.equal(result.code, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as { stats: { requests: number } };
    assert.ok(plan.stats.requests > 4 * CAP, `enough requests to need reuse (${plan.stats.requests})`);
    assert.ok(source.opened <= CAP, `source: ${source.opened} connections for ${plan.stats.requests} requests`);
    assert.ok(destination.opened <= CAP, `destination: ${destination.opened} connections`);
  });
});

describe('a copy keeps within the cap too', () => {
  let from: RegistryInstance;
  let to: RegistryInstance;
  let source: ConnectionCounter;
  let target: ConnectionCounter;

  before(async () => {
    [from, to] = await Promise.all([startRegistry(), startRegistry()]);
    await pushImage(from, 'team/app', 'v1', {
      created: '2024-05-01T00:00:00Z',
      content: 'counted',
      platforms: ['linux/amd64', 'linux/arm64'],
      layers: 4,
      layerSize: 300_000,
    });
    [source, target] = await Promise.all([startConnectionCounter(from), startConnectionCounter(to)]);
  });
  after(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    await Promise.all([from?.stop(), to?.stop()]);
  });

  it(`copyImage of a two-platform index with maxConcurrency ${CAP + 1}: at most ${CAP + 1} connections per host`, async () => {
    const cap = CAP + 1;
    const pool = createRegistryPool({ hosts: { [source.host]: { maxConcurrency: cap }, [target.host]: { maxConcurrency: cap } } });
    try {
      const result = await copyImage({
        source: pool.get('registry', source.host),
        sourceRepository: 'team/app',
        sourceReference: 'v1',
        target: pool.get('registry', target.host),
        targetRepository: 'copied/app',
        targetTag: 'v1',
      });
      assert.equal(result.blobsCopied, 10, 'two configs and eight layers');
      assert.ok(await rawManifest(to, 'copied/app', 'v1'));
      const stats = pool.stats();
      assert.ok(stats.requests > 4 * cap, `${stats.requests} requests`);
      assert.ok(source.opened <= cap, `source: ${source.opened} connections for ${stats.requests} requests in all`);
      assert.ok(target.opened <= cap, `target: ${target.opened} connections`);
    } finally {
      await pool.close();
    }
  });
});
