/**
 * A serverless lab for the acceptance tests: the quickstart's committed OCI layouts as the source and a
 * destination layout built from the same blobs, so plans with every action run in milliseconds.
 *
 * Source (ocidir://./images): team/api v1.0.0 v1.1.0 v1.2.0 v2.0.0-rc.1 latest; team/web v3.4.1 (index) v3.5.0;
 * team/web-tmp v0.0.1. Destination (ocidir://./out and ./out2): mirror/api with v1.1.0 identical, v1.2.0
 * pointing at the source's v1.0.0 (different content) and `old` pointing at v2.0.0-rc.1 (not selected).
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../harness/temp.js';
import { run } from '../cli/run.js';
import type { CliRun } from '../cli/run.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const quickstartImages = join(repoRoot, 'examples', 'quickstart', 'images');

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const REF_NAME = 'org.opencontainers.image.ref.name';

/** A lab directory: `dir` holds images/, out/, out2/; `cli` runs regsync there with a fixed clock and private cache. */
export interface OcidirLab {
  dir: string;
  cli(argv: string[], extraEnv?: NodeJS.ProcessEnv, tty?: boolean): Promise<CliRun>;
  write(name: string, text: string): Promise<string>;
  digestOf(repository: string, tag: string): Promise<string>;
}

async function readIndex(layout: string): Promise<{ manifests: Descriptor[] } & Record<string, unknown>> {
  return JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] } & Record<string, unknown>;
}

/** Writes a destination layout for mirror/api whose tags point at chosen source manifests. */
async function writeDestination(root: string, tags: Record<string, string>): Promise<void> {
  const source = join(quickstartImages, 'team', 'api');
  const target = join(root, 'mirror', 'api');
  await mkdir(join(root, 'mirror'), { recursive: true });
  await cp(source, target, { recursive: true });
  const index = await readIndex(source);
  const byTag = new Map(index.manifests.map((entry) => [entry.annotations?.[REF_NAME], entry]));
  const manifests = Object.entries(tags).map(([tag, from]) => {
    const entry = byTag.get(from);
    if (entry === undefined) throw new Error(`the quickstart has no team/api:${from}`);
    return { ...entry, annotations: { [REF_NAME]: tag } };
  });
  await writeFile(join(target, 'index.json'), JSON.stringify({ ...index, manifests }, null, 2));
}

export async function startOcidirLab(): Promise<OcidirLab> {
  const dir = await makeTempDir('regsync-acceptance-');
  const cache = await makeTempDir('regsync-acceptance-cache-');
  await cp(quickstartImages, join(dir, 'images'), { recursive: true });
  const destinationTags = { 'v1.1.0': 'v1.1.0', 'v1.2.0': 'v1.0.0', old: 'v2.0.0-rc.1' };
  await writeDestination(join(dir, 'out'), destinationTags);
  await writeDestination(join(dir, 'out2'), destinationTags);
  return {
    dir,
    cli: (argv, extraEnv = {}, tty = false) =>
      run(argv, { cwd: dir, env: { REGSYNC_NOW: '2026-11-28T10:00:00Z', REGSYNC_CACHE_DIR: cache, ...extraEnv }, tty }),
    write: async (name, text) => {
      await writeFile(join(dir, name), text);
      return join(dir, name);
    },
    digestOf: async (repository, tag) => {
      const index = await readIndex(join(dir, 'images', repository));
      const entry = index.manifests.find((candidate) => candidate.annotations?.[REF_NAME] === tag);
      if (entry === undefined) throw new Error(`no ${repository}:${tag} in the lab`);
      return entry.digest;
    },
  };
}
