/**
 * The state `bench/plan-compare.ts` plans over: R repositories × T tags at the source (distinct `created`
 * dates, every 5th tag a two-platform index, OCI and Docker media types mixed), the even-numbered tags pushed
 * identically to the destination, and the regsync build and configs that plan them.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeMirrorConfig } from '../test/harness/mirror-config.js';
import { promisify } from 'node:util';
import { seed } from '../test/harness/images.js';
import type { ImageSpec } from '../test/harness/images.js';

const run = promisify(execFile);

export interface SeededImage {
  repository: string;
  tag: string;
  spec: ImageSpec;
  /** Pushed to the destination before the first phase (identical content: a no-op). */
  inDestination: boolean;
}

/**
 * Repositories `bench/app00`…, tags `v1.0.0`…; `created` one hour apart, newest first, all within 30 days.
 * `mixed` (the default): every 5th tag a two-platform index; `single`: every tag one image manifest.
 */
export function fixtureImages(repos: number, tags: number, now: number, platforms: 'mixed' | 'single' = 'mixed'): SeededImage[] {
  const images: SeededImage[] = [];
  for (let r = 0; r < repos; r += 1) {
    for (let t = 0; t < tags; t += 1) {
      const created = new Date(now - 3_600_000 * (1 + r * tags + t)).toISOString();
      const spec: ImageSpec = {
        created,
        content: `plan-bench-${r}-${t}`,
        format: t % 2 === 0 ? 'oci' : 'docker',
        platforms: platforms === 'mixed' && t % 5 === 4 ? ['linux/amd64', 'linux/arm64'] : ['linux/amd64'],
      };
      images.push({ repository: `bench/app${String(r).padStart(2, '0')}`, tag: `v1.0.${t}`, spec, inDestination: t % 2 === 0 });
    }
  }
  return images;
}

export async function seedImages(url: string, images: SeededImage[]): Promise<void> {
  await seed(
    { url },
    images.map(({ repository, tag, spec }) => ({ repository, tag, spec })),
  );
}

/**
 * Builds regsync with tsc (one file per module; `npm run build` bundles it, issue 17) into a private package root (`.tmp/bench-plan/`:
 * `dist/`, a copy of package.json, a link to schemas/), so the shared `dist/` other work uses is never
 * overwritten; dependencies resolve from the repository's node_modules further up. Returns the CLI path.
 */
export async function buildRegsync(root: string): Promise<string> {
  const packageRoot = join(root, '.tmp/bench-plan');
  await rm(packageRoot, { recursive: true, force: true });
  await mkdir(packageRoot, { recursive: true });
  await copyFile(join(root, 'package.json'), join(packageRoot, 'package.json'));
  await symlink(join(root, 'schemas'), join(packageRoot, 'schemas'));
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(packageRoot, 'dist')]);
  return join(packageRoot, 'dist/cli.js');
}

/** How a bench config copies: the registry executor (default) or docker with a removal queue. */
export type ExecutorChoice = { executor: 'registry' } | { executor: 'docker'; removalQueue: number };

/**
 * One mirror, source catalog listed (as sync.sh did), every tag selected; with `maxAge` (or `latest`), `created`
 * is needed for each.
 */
export async function writeConfig(
  file: string,
  source: string,
  destination: string,
  maxAge: string | null,
  copy: ExecutorChoice = { executor: 'registry' },
  latest: number | null = null,
): Promise<void> {
  const executor =
    copy.executor === 'docker' ? { name: copy.executor, extra: [`removalQueue: ${copy.removalQueue}`] } : { name: copy.executor };
  await writeMirrorConfig(file, { source, destination, from: 'bench', to: 'bench', executor, maxAge, latest });
}
