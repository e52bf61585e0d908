/**
 * A seeded source and destination for the `regsync plan` integration tests, on two REAL
 * Distribution registries, and the CLI run in-process with captured output.
 *
 * Source (prefix team/), dates against the fixed clock NOW = 2024-07-01:
 *   team/app1  v0.9.0 (semver), v1.0.0, v1.0.1 (too old for maxAge 200d), v1.1.0 (Docker format), v1.2.0, latest
 *   team/app2  v2.0.0 (two-platform OCI index), v2.1.0 (two-platform Docker manifest list)
 *   team/tools/cli  v1.0.0, v1.1.0
 *   other/ignored   v1.0.0 (outside the prefix)
 * Destination:
 *   mirror/app1  v1.0.0 (identical), stale (same digest as v1.0.0), v1.1.0 (different), old (extra)
 *   mirror/app2  v2.0.0 (identical index)
 *   dock/app2    v2.0.0 (the linux/amd64 image of the source index: same config digest)
 *   same/app1    v1.0.0, v1.1.0, v1.2.0 identical (a no-op mirror)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../../src/program.js';
import { seed } from '../harness/images.js';
import type { ImageSpec } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';

export const NOW = '2024-07-01T00:00:00.000Z';

const spec = (content: string, created: string, extra: Partial<ImageSpec> = {}): ImageSpec => ({ content, created, ...extra });
const TWO = ['linux/amd64', 'linux/arm64'];

export const sourceImages = {
  'team/app1:v0.9.0': spec('app1-090', '2023-06-01T00:00:00Z'),
  'team/app1:v1.0.0': spec('app1-100', '2024-01-15T00:00:00Z'),
  'team/app1:v1.0.1': spec('app1-101', '2023-01-01T00:00:00Z'),
  'team/app1:v1.1.0': spec('app1-110', '2024-03-05T12:00:00Z', { format: 'docker' }),
  'team/app1:v1.2.0': spec('app1-120', '2024-05-20T00:00:00Z'),
  'team/app1:latest': spec('app1-120', '2024-05-20T00:00:00Z'),
  'team/app2:v2.0.0': spec('app2-200', '2024-04-10T00:00:00Z', { platforms: TWO }),
  'team/app2:v2.1.0': spec('app2-210', '2024-06-01T00:00:00Z', { platforms: TWO, format: 'docker' }),
  'team/tools/cli:v1.0.0': spec('cli-100', '2024-02-01T00:00:00Z'),
  'team/tools/cli:v1.1.0': spec('cli-110', '2024-06-20T00:00:00Z'),
  'other/ignored:v1.0.0': spec('ignored', '2024-06-01T00:00:00Z'),
} satisfies Record<string, ImageSpec>;

export const destinationImages = {
  'mirror/app1:v1.0.0': sourceImages['team/app1:v1.0.0'],
  'mirror/app1:stale': sourceImages['team/app1:v1.0.0'],
  'mirror/app1:v1.1.0': spec('app1-110-rebuilt', '2024-03-06T00:00:00Z', { format: 'docker' }),
  'mirror/app1:old': spec('app1-old', '2022-01-01T00:00:00Z'),
  'mirror/app2:v2.0.0': sourceImages['team/app2:v2.0.0'],
  'dock/app2:v2.0.0': { ...sourceImages['team/app2:v2.0.0'], platforms: ['linux/amd64'] },
  'same/app1:v1.0.0': sourceImages['team/app1:v1.0.0'],
  'same/app1:v1.1.0': sourceImages['team/app1:v1.1.0'],
  'same/app1:v1.2.0': sourceImages['team/app1:v1.2.0'],
} satisfies Record<string, ImageSpec>;

function images(table: Record<string, ImageSpec>): Array<{ repository: string; tag: string; spec: ImageSpec }> {
  return Object.entries(table).map(([ref, imageSpec]) => {
    const colon = ref.lastIndexOf(':');
    return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1), spec: imageSpec };
  });
}

export interface Lab {
  source: RegistryInstance;
  destination: RegistryInstance;
  dir: string;
  /** Writes a config file in the lab dir; SRC and DST in the text become the registries' hosts. */
  writeConfig(name: string, text: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startLab(): Promise<Lab> {
  await ensureTools();
  const [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  await Promise.all([seed({ url: source.url }, images(sourceImages)), seed({ url: destination.url }, images(destinationImages))]);
  const dir = await makeTempDir('plan-e2e');
  return {
    source,
    destination,
    dir,
    async writeConfig(name, text) {
      const file = join(dir, name);
      await mkdir(dir, { recursive: true });
      await writeFile(file, text.replaceAll('SRC', source.host).replaceAll('DST', destination.host));
      return file;
    },
    async stop() {
      await Promise.all([source.stop(), destination.stop()]);
    },
  };
}

/** The main config: three mirrors covering filters, prune, rename, latest, and both executors. */
export const MAIN_CONFIG = `
version: 1
mirrors:
  - name: apps
    source: SRC/team
    destination: DST/mirror
    executor: registry
    repositories:
      include: ['^app']
    tags:
      include: ['^v']
      semver: '>=1.0.0'
      maxAge: 200d
    prune: true
  - name: dock
    source: SRC/team
    destination: DST/dock
    executor: docker
    repositories:
      names: [app2]
  - name: tools
    source: SRC/team
    destination: DST
    executor: registry
    repositories:
      names: [tools/cli]
    rename: 'copies/\\3'
    tags:
      latest: 1
`;

/** Identical source and destination tags: nothing to do. */
export const NOOP_CONFIG = `
version: 1
mirrors:
  - name: same
    source: SRC/team
    destination: DST/same
    executor: registry
    repositories:
      names: [app1]
    tags:
      include: ['^v1\\.[0-2]\\.0$']
`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process; the env carries the fixed clock and a private facts cache unless overridden. */
export async function cli(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (chunk: string) => ((stdout += chunk), true), isTTY: false },
    stderr: { write: (chunk: string) => ((stderr += chunk), true), isTTY: false },
    env,
    cwd,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** A fresh, empty facts cache dir and the fixed clock. */
export async function planEnv(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return {
    PATH: process.env.PATH,
    HOME: await makeTempDir('plan-home'),
    REGSYNC_NOW: NOW,
    REGSYNC_CACHE_DIR: await makeTempDir('plan-cache'),
    DOCKER_CONFIG: await makeTempDir('plan-docker-config'),
    // Credentials files of the machine (podman's /run/containers/UID) must not leak into tests.
    XDG_RUNTIME_DIR: await makeTempDir('plan-runtime'),
    ...extra,
  };
}
