/**
 * `regsync plan` against a skopeo-based peer (what sync.sh-style tooling runs to learn the same facts), on two
 * real registries: R repositories × T tags at the source, half of them identical at the destination.
 *
 *   node --import tsx bench/plan-compare.ts [--repos 5] [--tags 50] [--runs 5]
 *
 * Phase "mixed": half the tags are creates, half no-ops. Phase "no-op": the destination is completed, every
 * tag is a no-op. Each run measures every scenario of the phase in turn (interleaved); medians of `--runs`.
 * Wall time is the whole process (start-up included). Requests are counted by an HTTP proxy (the harness's
 * fault proxy, no rules) in front of each registry, in one extra run per scenario outside the timed ones.
 * regsync is built with tsc into `.tmp/bench-plan/dist` and run with plain node (the shared dist/ is untouched).
 */
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startFaultProxy } from '../test/harness/fault-proxy.js';
import type { FaultProxy } from '../test/harness/fault-proxy.js';
import { startRegistry } from '../test/harness/registry.js';
import { makeTempDir } from '../test/harness/temp.js';
import { ensureTools } from '../test/harness/tools.js';
import { requestBreakdown } from './lib/counted-host.js';
import { intOption, median } from './lib/stats.js';
import { buildRegsync, fixtureImages, seedImages, writeConfig } from './plan-fixture.js';
import { peerPlan } from './plan-peer.js';

const run = promisify(execFile);
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const MAX_AGE = '60d';

/** Where a scenario points: the registries themselves (timed runs) or the counting proxies. */
interface Endpoints {
  source: string;
  destination: string;
  /** Config files by filter, written for these hosts. */
  configs: { maxAge: string; none: string };
}

interface Outcome {
  wallMs: number;
  /** regsync: the plan's stats.requests; skopeo: invocations. */
  selfCount: number;
  decisions: string;
}

interface Scenario {
  name: string;
  tool: 'regsync' | 'skopeo';
  run(endpoints: Endpoints): Promise<Outcome>;
}

interface PlanJson {
  summary: { create: number; update: number; delete: number; noop: number; skipped: number };
  stats: { requests: number };
}

async function main(): Promise<void> {
  const repos = intOption('repos', 5);
  const tags = intOption('tags', 50);
  const runs = intOption('runs', 5);
  await ensureTools();
  const cli = await buildRegsync(root);
  const work = await makeTempDir('bench-plan');
  const home = join(work, 'home');
  await mkdir(home);
  const env = { ...process.env, HOME: home, NO_COLOR: '1', REGISTRY_AUTH_FILE: join(home, 'none.json') };

  const source = await startRegistry();
  const destination = await startRegistry();
  const proxies: FaultProxy[] = [await startFaultProxy(source), await startFaultProxy(destination)];
  try {
    const images = fixtureImages(repos, tags, Date.now());
    const t0 = Date.now();
    await seedImages(source.url, images);
    await seedImages(
      destination.url,
      images.filter((image) => image.inDestination),
    );
    console.log(
      `seeded ${images.length} tags in ${repos} repositories (${images.filter((i) => i.spec.platforms?.length === 2).length} two-platform indexes), ${images.filter((i) => i.inDestination).length} of them at the destination, in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    const endpoints = async (src: string, dst: string, name: string): Promise<Endpoints> => {
      const configs = { maxAge: join(work, `${name}-maxage.yaml`), none: join(work, `${name}-none.yaml`) };
      await writeConfig(configs.maxAge, src, dst, MAX_AGE);
      await writeConfig(configs.none, src, dst, null);
      return { source: src, destination: dst, configs };
    };
    const direct = await endpoints(source.host, destination.host, 'direct');
    const counted = await endpoints(proxies[0]!.host, proxies[1]!.host, 'counted');
    const repositories = [...new Set(images.map((image) => image.repository))];

    const regsyncPlan = async (config: string, cacheDir: string): Promise<Outcome> => {
      const started = performance.now();
      const { stdout } = await run(process.execPath, [cli, 'plan', '-c', config, '--json'], {
        env: { ...env, REGSYNC_CACHE_DIR: cacheDir },
        maxBuffer: 64 * 1024 * 1024,
      });
      const wallMs = performance.now() - started;
      const plan = JSON.parse(stdout) as PlanJson;
      const s = plan.summary;
      return {
        wallMs,
        selfCount: plan.stats.requests,
        decisions: `create ${s.create} update ${s.update} noop ${s.noop} skipped ${s.skipped}`,
      };
    };
    // Warm caches are primed once per filter (by a plan through the registries) and reused by every warm run.
    const warmDirs = { maxAge: join(work, 'cache-warm-maxage'), none: join(work, 'cache-warm-none') };
    await regsyncPlan(direct.configs.maxAge, warmDirs.maxAge);
    await regsyncPlan(direct.configs.none, warmDirs.none);
    let coldCount = 0;
    const regsync = (filter: 'maxAge' | 'none', cache: 'cold' | 'warm'): Scenario => ({
      name: `regsync plan, ${filter === 'maxAge' ? `maxAge ${MAX_AGE}` : 'no age filter'}, ${cache} cache`,
      tool: 'regsync',
      run: async (at) => {
        if (cache === 'warm') return regsyncPlan(at.configs[filter], warmDirs[filter]);
        const dir = join(work, `cache-cold-${(coldCount += 1)}`);
        try {
          return await regsyncPlan(at.configs[filter], dir);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    });
    const skopeo = (parallel: number): Scenario => ({
      name: parallel === 1 ? 'skopeo, sequential' : `skopeo, ${parallel} at a time`,
      tool: 'skopeo',
      run: async (at) => {
        const started = performance.now();
        const r = await peerPlan({
          source: at.source,
          destination: at.destination,
          repositories,
          parallel,
          maxAgeMs: 60 * 86_400_000,
          env,
        });
        return {
          wallMs: performance.now() - started,
          selfCount: r.invocations,
          decisions: `create ${r.create} update ${r.update} noop ${r.noop} skipped ${r.skipped}`,
        };
      },
    });

    const mixed = [
      regsync('maxAge', 'cold'),
      regsync('maxAge', 'warm'),
      regsync('none', 'cold'),
      regsync('none', 'warm'),
      skopeo(4),
      skopeo(1),
    ];
    const rowsMixed = await phase('mixed: half creates, half no-ops', mixed, runs, direct, counted, proxies);
    await seedImages(
      destination.url,
      images.filter((image) => !image.inDestination),
    );
    const noop = [regsync('maxAge', 'warm'), regsync('none', 'warm'), skopeo(4), skopeo(1)];
    const rowsNoop = await phase('no-op: destination complete', noop, runs, direct, counted, proxies);

    printTable([...rowsMixed, ...rowsNoop]);
    const tagLists = 2 * repos + 1;
    console.log(
      `\nregsync requests per selected tag, no-op phase, warm cache (${images.length} selected tags; ${tagLists} = 1 catalog + ${2 * repos} tag lists):`,
    );
    for (const row of rowsNoop.filter((r) => r.tool === 'regsync')) {
      const perTag = (row.requests - tagLists) / images.length;
      console.log(
        `  ${row.name}: ${row.requests} requests = ${tagLists} + ${row.requests - tagLists} → ${perTag.toFixed(2)} per selected tag (${perTag <= 2 ? 'within' : 'OVER'} issue 4's 2)`,
      );
    }
  } finally {
    for (const proxy of proxies) await proxy.stop();
    await source.stop();
    await destination.stop();
    await rm(work, { recursive: true, force: true });
  }
}

interface Row {
  phase: string;
  name: string;
  tool: 'regsync' | 'skopeo';
  wallMs: number;
  requests: number;
  breakdown: string;
  selfCount: number;
  decisions: string;
}

/** What the proxies saw since `from` (one offset per proxy), by kind. */
function breakdown(proxies: FaultProxy[], from: number[]): string {
  return requestBreakdown(proxies.flatMap((proxy, i) => proxy.requests.slice(from[i])));
}

async function phase(
  title: string,
  scenarios: Scenario[],
  runs: number,
  direct: Endpoints,
  counted: Endpoints,
  proxies: FaultProxy[],
): Promise<Row[]> {
  console.log(`\n== ${title}`);
  // The counting run first (also a warm-up for the OS caches); not part of the medians.
  const counts: Array<{ requests: number; breakdown: string }> = [];
  for (const scenario of scenarios) {
    const from = proxies.map((p) => p.requests.length);
    const outcome = await scenario.run(counted);
    const requests = proxies.reduce((sum, p, i) => sum + p.requests.length - from[i]!, 0);
    counts.push({ requests, breakdown: breakdown(proxies, from) });
    console.log(`counted ${scenario.name}: ${requests} requests (${counts.at(-1)!.breakdown}); ${outcome.decisions}`);
  }
  const samples: Outcome[][] = scenarios.map(() => []);
  for (let i = 1; i <= runs; i += 1) {
    for (const [s, scenario] of scenarios.entries()) {
      const outcome = await scenario.run(direct);
      samples[s]!.push(outcome);
      console.log(
        `run ${i} ${scenario.name.padEnd(44)} ${(outcome.wallMs / 1000).toFixed(2).padStart(6)} s  ${scenario.tool === 'regsync' ? 'stats.requests' : 'invocations'} ${outcome.selfCount}  ${outcome.decisions}`,
      );
    }
  }
  return scenarios.map((scenario, s) => ({
    phase: title.split(':')[0]!,
    name: scenario.name,
    tool: scenario.tool,
    wallMs: median(samples[s]!.map((o) => o.wallMs)),
    requests: counts[s]!.requests,
    breakdown: counts[s]!.breakdown,
    selfCount: median(samples[s]!.map((o) => o.selfCount)),
    decisions: samples[s]![0]!.decisions,
  }));
}

function printTable(rows: Row[]): void {
  console.log(
    '\n| phase | scenario | median wall | requests (proxy) | stats.requests / skopeo runs | wall ÷ skopeo 4 at a time | wall ÷ skopeo sequential |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const peers = rows.filter((r) => r.phase === row.phase && r.tool === 'skopeo');
    const p4 = peers.find((r) => r.name.includes('4 at a time'));
    const seq = peers.find((r) => r.name.includes('sequential'));
    const ratio = (peer: Row | undefined) => (peer === undefined || row.tool === 'skopeo' ? '' : (row.wallMs / peer.wallMs).toFixed(2));
    const self = row.tool === 'regsync' ? `${row.selfCount}` : `${row.selfCount} invocations`;
    console.log(
      `| ${row.phase} | ${row.name} | ${(row.wallMs / 1000).toFixed(2)} s | ${row.requests} | ${self} | ${ratio(p4)} | ${ratio(seq)} |`,
    );
  }
  console.log('\nrequests by kind (counting run):');
  for (const row of rows) console.log(`  ${row.phase} / ${row.name}: ${row.breakdown}`);
}

await main();
