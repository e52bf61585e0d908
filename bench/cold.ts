/**
 * `npm run bench -- cold [--repos 20] [--tags 5] [--runs 3] [--no-build]`
 *
 * A cold copy with the registry executor: R × T tags (tag v1.0.4 a two-platform index; tag v1.0.0 the same
 * image in every repository, so its blobs are needed by R changes) into a fresh destination registry per run.
 * `regsync apply --yes` against `skopeo sync --all` of the same repositories. Goal (issue 9): ≥ 2× faster,
 * ≤ 2 requests per uploaded blob, 1 per mounted blob, a shared blob uploaded once per destination registry.
 */
import { join } from 'node:path';
import { buildImage, rawManifest, seed } from '../test/harness/images.js';
import type { ImageSpec } from '../test/harness/images.js';
import { startRegistry } from '../test/harness/registry.js';
import { ensureTools } from '../test/harness/tools.js';
import type { Contender, Endpoints } from './lib/compare.js';
import { compare } from './lib/compare.js';
import { applyAvailable, builtRegsync, runRegsync } from './lib/regsync-cli.js';
import { benchWorkDir, endpointsFor } from './lib/setup.js';
import { skopeoSync } from './lib/skopeo-sync.js';
import { intOption } from './lib/stats.js';
import { countUploads, describeUploads } from './lib/upload-counts.js';
import { writeConfig } from './plan-fixture.js';

interface ColdImage {
  repository: string;
  tag: string;
  spec: ImageSpec;
}

const SHARED: ImageSpec = { created: '2024-06-01T00:00:00Z', content: 'cold-bench-shared-base', layers: 2, layerSize: 32 * 1024 };

function coldImages(repos: number, tags: number): ColdImage[] {
  const images: ColdImage[] = [];
  for (let r = 0; r < repos; r += 1) {
    const repository = `bench/app${String(r).padStart(2, '0')}`;
    for (let t = 0; t < tags; t += 1) {
      const spec: ImageSpec =
        t === 0
          ? SHARED
          : {
              created: new Date(Date.UTC(2024, 6, 1, r, t)).toISOString(),
              content: `cold-bench-${r}-${t}`,
              format: t % 2 === 0 ? 'oci' : 'docker',
              platforms: t === 4 ? ['linux/amd64', 'linux/arm64'] : ['linux/amd64'],
              layers: 2,
              layerSize: 32 * 1024,
            };
      images.push({ repository, tag: `v1.0.${t}`, spec });
    }
  }
  return images;
}

/** Every destination tag must carry the source digest (both tools copy byte for byte). */
async function verifyCopies(destination: string, images: ColdImage[], digests: string[]): Promise<string> {
  let equal = 0;
  for (const [i, image] of images.entries()) {
    const found = await rawManifest({ url: `http://${destination}` }, image.repository, image.tag);
    if (found?.digest === digests[i]) equal += 1;
  }
  if (equal !== images.length) throw new Error(`only ${equal}/${images.length} destination tags carry the source digest`);
  return `${equal}/${images.length} tags, digests equal`;
}

async function main(): Promise<void> {
  const repos = intOption('repos', 20);
  const tags = intOption('tags', 5);
  const runs = intOption('runs', 3);
  await ensureTools();
  const cli = await builtRegsync();
  const work = await benchWorkDir('cold');
  const source = await startRegistry();
  try {
    const images = coldImages(repos, tags);
    const digests = (await seed(source, images)).map((pushed) => pushed.digest);
    const repositories = [...new Set(images.map((image) => image.repository))];
    const shared = buildImage(SHARED).children[0]!;
    const sharedDigests = [shared.config.digest, ...shared.layers.map((layer) => layer.digest)];
    console.log(`seeded ${images.length} tags in ${repos} repositories (v1.0.0 shared by all, v1.0.4 a two-platform index)`);

    const endpoints = async (counted: boolean): Promise<Endpoints> => {
      const destination = await startRegistry();
      return endpointsFor(source, destination, counted, () => destination.stop());
    };
    const contenders: Contender[] = [];
    const verify = (at: Endpoints) => verifyCopies(at.destination, images, digests);
    const analyse = (counted: Array<{ requests: Parameters<typeof countUploads>[0] }>) =>
      describeUploads(countUploads(counted[1]!.requests), sharedDigests);
    if (await applyAvailable(cli, work.env)) {
      contenders.push({
        name: 'regsync apply --yes',
        peer: false,
        run: async (at) => {
          const config = join(work.dir, `regsync-${at.destination.replace(':', '_')}.yaml`);
          await writeConfig(config, at.source, at.destination, null);
          const env = { ...work.env, REGSYNC_CACHE_DIR: await work.freshDir('cache') };
          const result = await runRegsync(cli, ['apply', '--yes', '-c', config], env);
          if (result.exitCode !== 0) throw new Error(`regsync apply failed (${result.exitCode}): ${result.stderr}`);
          return { wallMs: result.wallMs, note: result.stdout.trim().split('\n').at(-1) ?? '' };
        },
        verify,
        analyse,
      });
    } else console.log('PENDING: regsync apply is not in this build (issue 8): measuring the peer only');
    contenders.push({
      name: 'skopeo sync --all',
      peer: true,
      // A fresh HOME per run: skopeo's blob-info cache would otherwise remember blobs from earlier runs.
      run: async (at) => skopeoSync({ ...at, repositories, workDir: work.dir, env: { ...work.env, HOME: await work.freshDir('home') } }),
      verify,
      analyse,
    });
    await compare({ title: `cold copy, ${repos} repositories × ${tags} tags`, runs, endpoints, contenders, goal: 2 });
  } finally {
    await source.stop();
  }
}

await main();
