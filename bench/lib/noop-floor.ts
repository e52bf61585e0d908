/**
 * The no-op that `noop` and `floor` measure (issue 17): R × T tags (every 5th a two-platform index), all already at
 * the destination. Contenders, alternating: `regsync plan`, the floor client (bench/lib/floor-client.mjs: a minimal
 * node client making exactly the requests the no-op plan makes, in its own process, keep-alive agents with 8
 * sockets per host, both hosts at once), `regsync apply --yes` (with `withApply`, when the build has apply) and the
 * peer, `skopeo sync --all` of the same repositories in one invocation. Prints regsync ÷ floor (goal ≤ 1.3×) and
 * skopeo ÷ regsync (goal ≥ 3×), medians of `--runs` (default 7) alternating runs; the counting run shows regsync
 * and the floor client make the same requests.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRegistry } from '../../test/harness/registry.js';
import { ensureTools } from '../../test/harness/tools.js';
import { fixtureImages, seedImages, writeConfig } from '../plan-fixture.js';
import type { Contender, Endpoints, Row } from './compare.js';
import { compare } from './compare.js';
import { applyAvailable, builtRegsync, ROOT, runRegsync } from './regsync-cli.js';
import { benchWorkDir, endpointsFor } from './setup.js';
import { skopeoSync } from './skopeo-sync.js';
import { intOption } from './stats.js';

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

export async function noopAtTheFloor(options: { name: string; withApply: boolean }): Promise<void> {
  const repos = intOption('repos', 20);
  const tags = intOption('tags', 10);
  const runs = intOption('runs', 7);
  await ensureTools();
  const cli = await builtRegsync();
  const work = await benchWorkDir(options.name);
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
    const regsync = async (at: Endpoints, args: string[]) => {
      const env = { ...work.env, REGSYNC_CACHE_DIR: await work.freshDir('cache') };
      const result = await runRegsync(cli, [...args, '-c', await configFor(at)], env);
      if (result.exitCode !== 0) throw new Error(`regsync ${args.join(' ')} failed (${result.exitCode}): ${result.stderr}`);
      return result;
    };
    const contenders: Contender[] = [
      {
        name: 'regsync plan',
        peer: false,
        run: async (at) => {
          const result = await regsync(at, ['plan', '--json']);
          const plan = JSON.parse(result.stdout) as PlanSummary;
          if (plan.summary.noop !== images.length) throw new Error(`expected ${images.length} no-ops: ${JSON.stringify(plan.summary)}`);
          return { wallMs: result.wallMs, note: `noop ${plan.summary.noop}, stats.requests ${plan.stats.requests}` };
        },
      },
      {
        name: 'floor client (minimal node)',
        peer: false,
        yardstick: true,
        run: async (at) => {
          const started = performance.now();
          const { stdout } = await run(process.execPath, [FLOOR_CLIENT, at.source, at.destination, 'bench'], { env: work.env });
          const wallMs = performance.now() - started;
          const result = JSON.parse(stdout) as FloorResult;
          if (result.tags !== images.length || result.differing !== 0) throw new Error(`floor client: ${stdout}`);
          return { wallMs, note: `${result.tags} tags equal, ${result.requests} requests` };
        },
      },
    ];
    if (options.withApply && (await applyAvailable(cli, work.env))) {
      contenders.push({
        name: 'regsync apply --yes',
        peer: false,
        run: async (at) => {
          const result = await regsync(at, ['apply', '--yes']);
          if (!result.stdout.includes('No changes.')) throw new Error(`expected "No changes.": ${result.stdout}`);
          return { wallMs: result.wallMs, note: 'No changes.' };
        },
      });
    }
    contenders.push({
      name: 'skopeo sync --all',
      peer: true,
      run: (at) => skopeoSync({ source: at.source, destination: at.destination, repositories, workDir: work.dir, env: work.env }),
    });
    const rows = await compare({
      title: `no-op, ${repos} repositories × ${tags} tags`,
      runs,
      endpoints: (counted) => endpointsFor(source, destination, counted),
      contenders,
      goal: 3,
    });
    printRatios(rows);
  } finally {
    await source.stop();
    await destination.stop();
  }
}

function printRatios(rows: Row[]): void {
  const row = (name: string): Row | undefined => rows.find((candidate) => candidate.name === name);
  const [plan, floor, skopeo] = [row('regsync plan'), row('floor client (minimal node)'), row('skopeo sync --all')];
  if (plan === undefined || floor === undefined || skopeo === undefined) return;
  const toFloor = plan.medianMs / floor.medianMs;
  const fromSkopeo = skopeo.medianMs / plan.medianMs;
  console.log(`\nregsync plan ÷ floor client: ${toFloor.toFixed(2)}× (goal ≤ 1.3×: ${toFloor <= 1.3 ? 'met' : 'NOT met'})`);
  console.log(`skopeo sync ÷ regsync plan: ${fromSkopeo.toFixed(2)}× (goal ≥ 3×: ${fromSkopeo >= 3 ? 'met' : 'NOT met'})`);
  console.log(`skopeo sync ÷ floor client: ${(skopeo.medianMs / floor.medianMs).toFixed(2)}×`);
  if (plan.requests !== floor.requests) console.log(`note: regsync made ${plan.requests} requests, the floor client ${floor.requests}`);
}
