/**
 * `npm run bench -- docker [--repos 10] [--tags 3] [--runs 3] [--queue 2] [--no-build]`
 *
 * The docker executor: R × T single-platform tags copied through a real dockerd into a fresh destination
 * registry per run. `regsync apply --yes` (executor docker, removalQueue --queue) against the original tool's
 * method, a sequential docker pull / tag / push / rmi loop. Goal (issues 9, 19): ≥ 1.5× faster (aim 2×), with the removal
 * queue bounded as configured (local images sampled during the counting run; none left after any run). dockerd's
 * own CPU per copy (utime + stime from /proc) is printed for both: the engine's share of the work.
 */
import { join } from 'node:path';
import { startDockerd } from '../test/harness/dockerd.js';
import { rawManifest, seed } from '../test/harness/images.js';
import type { ImageSpec } from '../test/harness/images.js';
import { startRegistry } from '../test/harness/registry.js';
import { ensureTools } from '../test/harness/tools.js';
import type { Contender, Endpoints } from './lib/compare.js';
import { compare } from './lib/compare.js';
import { dockerLoop, localImageCount, sampleLocalImages } from './lib/docker-loop.js';
import { applyAvailable, builtRegsync, runRegsync } from './lib/regsync-cli.js';
import { benchWorkDir, endpointsFor } from './lib/setup.js';
import { processCpuMs } from './lib/process-cpu.js';
import { median, intOption } from './lib/stats.js';
import { writeConfig } from './plan-fixture.js';

function dockerImages(repos: number, tags: number): Array<{ repository: string; tag: string; spec: ImageSpec }> {
  const images = [];
  for (let r = 0; r < repos; r += 1) {
    for (let t = 0; t < tags; t += 1) {
      images.push({
        repository: `bench/app${String(r).padStart(2, '0')}`,
        tag: `v1.0.${t}`,
        spec: {
          created: new Date(Date.UTC(2024, 6, 1, r, t)).toISOString(),
          content: `docker-bench-${r}-${t}`,
          format: 'docker',
          layers: 2,
          layerSize: 32 * 1024,
        },
      });
    }
  }
  return images as Array<{ repository: string; tag: string; spec: ImageSpec }>;
}

async function main(): Promise<void> {
  const repos = intOption('repos', 10);
  const tags = intOption('tags', 3);
  const runs = intOption('runs', 3);
  const queue = intOption('queue', 2);
  await ensureTools();
  const cli = await builtRegsync();
  const work = await benchWorkDir('docker');
  const source = await startRegistry();
  const dockerd = await startDockerd();
  const env = { ...work.env, ...dockerd.env };
  try {
    const images = dockerImages(repos, tags);
    await seed(source, images);
    console.log(`seeded ${images.length} single-platform tags in ${repos} repositories; removalQueue ${queue}`);

    const endpoints = async (counted: boolean): Promise<Endpoints> => {
      const destination = await startRegistry();
      return endpointsFor(source, destination, counted, () => destination.stop());
    };
    // Both tools must leave every tag at the destination and no image in the engine.
    const verify = async (at: Endpoints): Promise<string> => {
      let present = 0;
      for (const image of images)
        if ((await rawManifest({ url: `http://${at.destination}` }, image.repository, image.tag)) !== null) present += 1;
      const left = await localImageCount(env);
      if (present !== images.length || left !== 0)
        throw new Error(`${present}/${images.length} tags at the destination, ${left} images left locally`);
      return `${present}/${images.length} tags, 0 images left locally`;
    };
    let mostLocal = 0;
    // dockerd's own CPU (user + system) per copy in each timed run, for each contender: the engine's share of the work.
    const engineCpu = new Map<string, number[]>();
    const withEngineCpu = (contender: Contender): Contender => {
      const perCopy: number[] = [];
      engineCpu.set(contender.name, perCopy);
      return {
        ...contender,
        run: async (at) => {
          const before = processCpuMs(dockerd.pid);
          const result = await contender.run(at);
          const used = (processCpuMs(dockerd.pid) - before) / images.length;
          if (at.counted.length > 0) return result;
          perCopy.push(used);
          return { ...result, note: [result.note, `dockerd CPU ${used.toFixed(0)} ms per copy`].filter(Boolean).join('; ') };
        },
        analyse: (counted) => [
          ...(contender.analyse?.(counted) ?? []),
          `dockerd CPU per copy (median of the timed runs): ${perCopy.length > 0 ? median(perCopy).toFixed(0) : '?'} ms`,
        ],
      };
    };
    const contenders: Contender[] = [];
    if (await applyAvailable(cli, env)) {
      contenders.push(
        withEngineCpu({
          name: 'regsync apply --yes (docker executor)',
          peer: false,
          run: async (at) => {
            const config = join(work.dir, `regsync-${at.destination.replace(':', '_')}.yaml`);
            await writeConfig(config, at.source, at.destination, null, { executor: 'docker', removalQueue: queue });
            const sampler = at.counted.length > 0 ? sampleLocalImages(env) : null;
            const result = await runRegsync(cli, ['apply', '--yes', '-c', config], {
              ...env,
              REGSYNC_CACHE_DIR: await work.freshDir('cache'),
            });
            if (sampler !== null) mostLocal = await sampler.stop();
            if (result.exitCode !== 0) throw new Error(`regsync apply failed (${result.exitCode}): ${result.stderr}`);
            return { wallMs: result.wallMs, note: result.stdout.trim().split('\n').at(-1) ?? '' };
          },
          verify,
          analyse: () => [
            `at most ${mostLocal} images in the engine at once (sampled every 100 ms; removalQueue ${queue}, 4 changes in flight)`,
          ],
        }),
      );
    } else console.log('PENDING: regsync apply is not in this build (issue 8): measuring the peer only');
    contenders.push(
      withEngineCpu({
        name: 'docker pull/tag/push/rmi loop',
        peer: true,
        run: (at) => dockerLoop({ ...at, images, workDir: work.dir, env }),
        verify,
      }),
    );
    await compare({ title: `docker executor, ${repos} repositories × ${tags} tags`, runs, endpoints, contenders, goal: 1.5 });
  } finally {
    await dockerd.stop();
    await source.stop();
  }
}

await main();
