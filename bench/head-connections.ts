/**
 * ~200 manifest HEADs at a host's default concurrency (8), plain HTTP and TLS, through a TCP pass-through
 * that counts the connections the client opens; prints connections and wall time (median of --runs).
 *
 *   node --import tsx bench/head-connections.ts [--heads 200] [--runs 3]
 */
import { startConnectionCounter } from '../test/harness/connection-counter.js';
import { pushImage } from '../test/harness/images.js';
import { startRegistry } from '../test/harness/registry.js';
import type { RegistryInstance } from '../test/harness/registry.js';
import { ensureTools } from '../test/harness/tools.js';
import { createRegistryPool } from '../src/registry/pool.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function measure(registry: RegistryInstance, heads: number): Promise<{ connections: number; ms: number }> {
  const counter = await startConnectionCounter(registry);
  const hostOptions = registry.caFile ? { tls: 'enabled' as const, caFile: registry.caFile } : {};
  const pool = createRegistryPool({ hosts: { [counter.host]: hostOptions } });
  const client = pool.get('registry', counter.host);
  const started = performance.now();
  await Promise.all(Array.from({ length: heads }, () => client.headManifest('bench/app', 'v1')));
  const ms = performance.now() - started;
  await pool.close();
  const connections = counter.opened;
  await counter.stop();
  return { connections, ms };
}

await ensureTools();
const heads = option('heads', 200);
const runs = option('runs', 3);
const [plain, secure] = await Promise.all([startRegistry(), startRegistry({ tls: true })]);
try {
  for (const registry of [plain, secure]) {
    await pushImage(registry, 'bench/app', 'v1', { created: '2024-01-01T00:00:00Z', content: 'heads' });
    const samples = [];
    for (let i = 0; i < runs; i += 1) samples.push(await measure(registry, heads));
    const kind = registry.caFile ? 'TLS  ' : 'plain';
    console.log(
      `${kind} ${heads} HEADs: ${median(samples.map((s) => s.connections))} connections, ${median(samples.map((s) => s.ms)).toFixed(0)} ms (median of ${runs})`,
    );
  }
} finally {
  await Promise.all([plain.stop(), secure.stop()]);
}
