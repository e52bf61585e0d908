/**
 * `npm run bench -- floor [--repos 20] [--tags 10] [--runs 7] [--no-build]`
 *
 * The no-op of `noop` (R × T tags, all already at the destination), with a third contender: the floor, a minimal
 * Node client (bench/lib/floor-client.mjs) making exactly the requests the no-op plan makes (the source catalog,
 * 2 tag lists per repository, a HEAD per tag at each side), in its own `node` process, keep-alive agents with 8
 * sockets per host, both hosts at once. Prints regsync ÷ floor (goal, issue 17: within 1.3×) and skopeo ÷ regsync
 * (goal ≥ 3×), medians of alternating runs. The counting run shows both make the same requests.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRegistry } from '../test/harness/registry.js';
import { ensureTools } from '../test/harness/tools.js';
import type { Contender, Endpoints } from './lib/compare.js';
import { compare } from './lib/compare.js';
import { builtRegsync, ROOT, runRegsync } from './lib/regsync-cli.js';
import { benchWorkDir, endpointsFor } from './lib/setup.js';
import { skopeoSync } from './lib/skopeo-sync.js';
import { intOption } from './lib/stats.js';
import { fixtureImages, seedImages, writeConfig } from './plan-fixture.js';

const run = promisify(execFile);
const FLOOR_CLIENT = join(ROOT, 'bench/lib/floor-client.mjs');

interface PlanSummary {
  summary: { noop: number };
  stats: { requests: number };
}

interface FloorResult {
  requests: number;
  tags: number;
  differing: number;
}

async function main(): Promise<void> {
  const repos = intOption('repos', 20);
  const tags = intOption('tags', 10);
  const runs = intOption('runs', 7);
  await ensureTools();
  const cli = await builtRegsync();
  const work = await benchWorkDir('floor');
  const source = await startRegistry();
  const destination = await startRegistry();
  try {
    const images = fixtureImages(repos, tags, Date.now());
    await seedImages(source.url, images);
    await seedImages(destination.url, images);
    const repositories = [...new Set(images.map((image) => image.repository))];
    console.log(`seeded ${images.length} tags in ${repos} repositories at both registries`);

    const configFor = async (at: Endpoints): Promise<string> => {
      const file = join(work.dir, `regsync-${at.source.replace(':', '_')}.yaml`);
      await writeConfig(file, at.source, at.destination, null);
      return file;
    };
    const contenders: Contender[] = [
      {
        name: 'regsync plan',
        peer: false,
        run: async (at) => {
          const env = { ...work.env, REGSYNC_CACHE_DIR: await work.freshDir('cache') };
          const result = await runRegsync(cli, ['plan', '--json', '-c', await configFor(at)], env);
          if (result.exitCode !== 0) throw new Error(`regsync plan failed (${result.exitCode}): ${result.stderr}`);
          const plan = JSON.parse(result.stdout) as PlanSummary;
          if (plan.summary.noop !== images.length) throw new Error(`expected ${images.length} no-ops: ${JSON.stringify(plan.summary)}`);
          return { wallMs: result.wallMs, note: `noop ${plan.summary.noop}, stats.requests ${plan.stats.requests}` };
        },
      },
      {
        name: 'floor client (minimal node)',
        peer: false,
        run: async (at) => {
          const started = performance.now();
          const { stdout } = await run(process.execPath, [FLOOR_CLIENT, at.source, at.destination, 'bench'], { env: work.env });
          const wallMs = performance.now() - started;
          const result = JSON.parse(stdout) as FloorResult;
          if (result.tags !== images.length || result.differing !== 0) throw new Error(`floor client: ${stdout}`);
          return { wallMs, note: `${result.tags} tags equal, ${result.requests} requests` };
        },
      },
      {
        name: 'skopeo sync --all',
        peer: true,
        run: (at) => skopeoSync({ source: at.source, destination: at.destination, repositories, workDir: work.dir, env: work.env }),
      },
    ];
    const rows = await compare({
      title: `no-op at the floor, ${repos} repositories × ${tags} tags`,
      runs,
      endpoints: (counted) => endpointsFor(source, destination, counted),
      contenders,
      goal: 3,
    });
    const [regsync, floor, skopeo] = rows;
    if (regsync !== undefined && floor !== undefined && skopeo !== undefined) {
      console.log(`\nregsync plan ÷ floor client: ${(regsync.medianMs / floor.medianMs).toFixed(2)}× (goal ≤ 1.3×)`);
      console.log(`skopeo sync ÷ regsync plan: ${(skopeo.medianMs / regsync.medianMs).toFixed(2)}× (goal ≥ 3×)`);
      console.log(`skopeo sync ÷ floor client: ${(skopeo.medianMs / floor.medianMs).toFixed(2)}×`);
      if (regsync.requests !== floor.requests) console.log(`note: regsync made ${regsync.requests} requests, the floor ${floor.requests}`);
    }
  } finally {
    await source.stop();
    await destination.stop();
  }
}

await main();
