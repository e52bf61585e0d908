/**
 * `npm run bench -- noop [--repos 20] [--tags 10] [--runs 5] [--no-build]`
 *
 * A no-op sync: R × T tags at the source (every 5th a two-platform index), all already at the destination.
 * regsync `plan` (and `apply --yes`, when this build has apply) against `skopeo sync --all` of the same
 * repositories in one invocation. Goal (issue 9): regsync at least 3× faster.
 */
import { join } from 'node:path';
import { startRegistry } from '../test/harness/registry.js';
import { ensureTools } from '../test/harness/tools.js';
import type { Contender, Endpoints } from './lib/compare.js';
import { compare } from './lib/compare.js';
import { applyAvailable, builtRegsync, runRegsync } from './lib/regsync-cli.js';
import { benchWorkDir, endpointsFor } from './lib/setup.js';
import { skopeoSync } from './lib/skopeo-sync.js';
import { intOption } from './lib/stats.js';
import { fixtureImages, seedImages, writeConfig } from './plan-fixture.js';

interface PlanSummary {
  summary: { create: number; update: number; delete: number; noop: number };
  stats: { requests: number };
}

async function main(): Promise<void> {
  const repos = intOption('repos', 20);
  const tags = intOption('tags', 10);
  const runs = intOption('runs', 5);
  await ensureTools();
  const cli = await builtRegsync();
  const work = await benchWorkDir('noop');
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
    ];
    if (await applyAvailable(cli, work.env)) {
      contenders.push({
        name: 'regsync apply --yes',
        peer: false,
        run: async (at) => {
          const result = await regsync(at, ['apply', '--yes']);
          if (!result.stdout.includes('No changes.')) throw new Error(`expected "No changes.": ${result.stdout}`);
          return { wallMs: result.wallMs, note: 'No changes.' };
        },
      });
    } else console.log('regsync apply is not in this build: measuring plan only');
    contenders.push({
      name: 'skopeo sync --all',
      peer: true,
      run: (at) => skopeoSync({ source: at.source, destination: at.destination, repositories, workDir: work.dir, env: work.env }),
    });
    await compare({
      title: `no-op, ${repos} repositories × ${tags} tags`,
      runs,
      endpoints: (counted) => endpointsFor(source, destination, counted),
      contenders,
      goal: 3,
    });
  } finally {
    await source.stop();
    await destination.stop();
  }
}

await main();
