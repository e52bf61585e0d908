/**
 * A serve cycle on plain data (a fake pipeline and clock) behind the real HTTP listener: /readyz answers 503 until the
 * first cycle has ended and again after a fatal one; a source repository that could not be read is counted in
 * regsync_read_failures_total and keeps its mirror out of sync (its last success stays where it was).
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, describe, it } from 'node:test';
import type { Config } from '../../src/config/types.js';
import type { Plan } from '../../src/plan/types.js';
import { Cycles } from '../../src/serve/cycle.js';
import type { PipelineOutcome } from '../../src/serve/pipeline.js';
import { startHttp } from '../../src/serve/http.js';
import { ServeMetrics } from '../../src/serve/metrics.js';
import { silentLog } from '../../src/serve/log.js';
import { Staleness } from '../../src/serve/staleness.js';
import { mirrorConfig } from '../helpers/inventory-builder.js';

const config: Config = { version: 1, file: null, registries: {}, mirrors: [mirrorConfig({ name: 'a' }), mirrorConfig({ name: 'b' })] };

function emptyPlan(failures?: Plan['failures']): Plan {
  return {
    regsyncVersion: 'test',
    createdAt: '2024-07-01T00:00:00.000Z',
    configDigest: 'sha256:0',
    changes: [],
    skipped: [],
    summary: { create: 0, update: 0, delete: 0, noop: 0, skipped: 0 },
    stats: { requests: 0, durationMs: 0 },
    ...(failures === undefined ? {} : { failures }),
  };
}

const servers: Server[] = [];
after(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

function setup(run: () => Promise<PipelineOutcome>) {
  let clock = 1_000_000;
  const staleness = new Staleness();
  const metrics = new ServeMetrics('test', staleness, () => clock);
  const cycles = new Cycles({
    loadConfig: () => Promise.resolve({ config, secrets: [] }),
    run,
    mirrors: [],
    metrics,
    staleness,
    now: () => clock,
    log: silentLog,
  });
  return { cycles, metrics, advance: (ms: number) => (clock += ms) };
}

async function readyz(address: string): Promise<number> {
  return (await fetch(`http://${address}/readyz`)).status;
}

describe('serve cycles: /readyz', () => {
  it('answers 503 before the first cycle ends, 200 after it, 503 after a fatal cycle', async () => {
    let release: (outcome: PipelineOutcome) => void = () => undefined;
    let fail = false;
    const { cycles, metrics } = setup(() => {
      if (fail) return Promise.reject(new Error('cannot list the catalog of 127.0.0.1:1: connection refused'));
      return new Promise<PipelineOutcome>((resolve) => (release = resolve));
    });
    const { server, address } = await startHttp('127.0.0.1:0', { registry: metrics.registry, ready: () => cycles.ready });
    servers.push(server);
    assert.equal(await readyz(address), 503, 'before any cycle');
    const first = cycles.runCycle();
    assert.equal(await readyz(address), 503, 'while the first cycle runs');
    release({ plan: emptyPlan(), result: null });
    await first;
    assert.equal(await readyz(address), 200, 'after a cycle without a fatal error');
    fail = true;
    await cycles.runCycle();
    assert.equal(await readyz(address), 503, 'after a fatal cycle');
  });
});

describe('serve cycles: a source repository that could not be read', () => {
  it('is counted per mirror, fails the cycle and keeps that mirror out of sync', async () => {
    let failures: Plan['failures'] = undefined;
    const { cycles, metrics, advance } = setup(() => Promise.resolve({ plan: emptyPlan(failures), result: null }));
    await cycles.runCycle();
    const lastSuccessA = (await metrics.lastSuccess.get()).values.find((v) => v.labels.mirror === 'a')?.value;
    assert.ok(lastSuccessA !== undefined);
    failures = [{ mirror: 'a', host: 'src:5000', repository: 'team/app2', error: 'HTTP 503' }];
    advance(60_000);
    await cycles.runCycle();
    const text = await metrics.registry.metrics();
    assert.match(text, /^regsync_read_failures_total\{mirror="a"\} 1$/m);
    assert.match(text, /^regsync_read_failures_total\{mirror="b"\} 0$/m);
    assert.match(text, /^regsync_cycles_total\{result="failure"\} 1$/m);
    // b was in sync at this cycle, a was not: its last success stays at the first cycle.
    const lastSuccess = (await metrics.lastSuccess.get()).values;
    assert.equal(lastSuccess.find((v) => v.labels.mirror === 'a')?.value, lastSuccessA);
    assert.equal(lastSuccess.find((v) => v.labels.mirror === 'b')?.value, lastSuccessA + 60);
    advance(30_000);
    assert.match(await metrics.registry.metrics(), /^regsync_mirror_out_of_sync_seconds\{mirror="a"\} 90$/m);
    assert.equal(cycles.ready, true, 'a repository that could not be read is no fatal error');
  });
});
