/**
 * Copies a one-layer image with a 256 MiB random layer with regsync's copyImage and with
 * `skopeo copy --all`, 3 runs each, interleaved, in two cases:
 *   registry → registry   (docker://A → docker://B)
 *   ocidir   → registry   (an OCI layout on local disk → docker://B: a fast source, where an upload
 *                          that reads ahead of the socket would hold the whole blob in memory)
 * and prints peak RSS and wall time medians and their ratios.
 *
 *   node --import tsx bench/copy-large-blob.ts [--runs 3] [--mib 256] [--tsx]
 *
 * The regsync worker runs as plain JavaScript compiled by tsc (bench/tsconfig.worker.json, the same compiler
 * options as `npm run build`) under `node`, as users run it; `--tsx` runs it through the tsx loader instead.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startRegistry } from '../test/harness/registry.js';
import type { RegistryInstance } from '../test/harness/registry.js';
import { ensureTools } from '../test/harness/tools.js';
import { makeTempDir } from '../test/harness/temp.js';
import { copyImage } from '../src/registry/copy.js';
import { createRegistryPool } from '../src/registry/pool.js';
import { pushLargeImage, writeRandomLayer } from './push-large-image.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
const REPO = 'bench/large';
const TAG = 'v1';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

interface Sample {
  peakRssMiB: number;
  wallSeconds: number;
  /** regsync only: RSS after start-up and imports, just before the copy began. */
  startRssMiB?: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** Runs a command under /usr/bin/time; the last stderr line is "<maxrss KiB> <elapsed s>". */
async function timed(command: string, args: string[]): Promise<Sample & { stdout: string }> {
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', '%M %e', command, ...args], { maxBuffer: 16 * 1024 * 1024 });
  const last = stderr.trim().split('\n').at(-1) ?? '';
  const [rss, elapsed] = last.split(' ').map(Number);
  if (rss === undefined || elapsed === undefined || !Number.isFinite(rss) || !Number.isFinite(elapsed))
    throw new Error(`cannot read /usr/bin/time output: ${stderr}`);
  return { peakRssMiB: rss / 1024, wallSeconds: elapsed, stdout };
}

/** The worker as users run regsync: tsc output under plain node (or through tsx with --tsx). */
async function workerCommand(): Promise<string[]> {
  if (process.argv.includes('--tsx')) return ['--import', 'tsx', join(here, 'copy-large-blob-worker.ts')];
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(here, 'tsconfig.worker.json')]);
  return [join(root, '.tmp/bench-dist/bench/copy-large-blob-worker.js')];
}

/** `source` is a registry host or `ocidir://DIR`. */
async function regsyncCopy(worker: string[], source: string, target: RegistryInstance): Promise<Sample> {
  const sample = await timed(process.execPath, [...worker, source, REPO, TAG, target.host, REPO]);
  // The worker's own getrusage (with --tsx, /usr/bin/time would report the loader's process tree).
  const report = JSON.parse(sample.stdout.trim().split('\n').at(-1) ?? '{}') as { maxRssKiB?: number; rssBeforeCopyKiB?: number };
  if (typeof report.maxRssKiB !== 'number' || typeof report.rssBeforeCopyKiB !== 'number')
    throw new Error(`worker printed no report: ${sample.stdout}`);
  return { peakRssMiB: report.maxRssKiB / 1024, wallSeconds: sample.wallSeconds, startRssMiB: report.rssBeforeCopyKiB / 1024 };
}

/** skopeo's transports: `docker://HOST/REPO:TAG`, or `oci:LAYOUT_DIR:TAG` (one layout per repository). */
async function skopeoCopy(source: string, target: RegistryInstance): Promise<Sample> {
  const from = source.startsWith('ocidir://')
    ? `oci:${join(source.slice('ocidir://'.length), REPO)}:${TAG}`
    : `docker://${source}/${REPO}:${TAG}`;
  const tls = from.startsWith('oci:') ? ['--dest-tls-verify=false'] : ['--src-tls-verify=false', '--dest-tls-verify=false'];
  return timed('skopeo', ['copy', '--all', '--quiet', ...tls, from, `docker://${target.host}/${REPO}:${TAG}`]);
}

async function verifyCopied(target: RegistryInstance, digest: string): Promise<void> {
  const response = await fetch(`${target.url}/v2/${REPO}/manifests/${TAG}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  const got = response.headers.get('docker-content-digest');
  if (got !== digest) throw new Error(`destination has ${got ?? 'nothing'}, expected ${digest}`);
}

type Tool = 'regsync' | 'skopeo';

async function benchCase(name: string, source: string, digest: string, runs: number, worker: string[]): Promise<void> {
  console.log(`\n== ${name}: ${source} → fresh registry per run, ${runs} runs each, interleaved`);
  const samples: Record<Tool, Sample[]> = { regsync: [], skopeo: [] };
  for (let i = 1; i <= runs; i += 1) {
    for (const tool of ['regsync', 'skopeo'] as const) {
      // A fresh destination each time: nothing to skip, and no skopeo blob-info cache hits for a known port.
      const target = await startRegistry();
      try {
        const sample = tool === 'regsync' ? await regsyncCopy(worker, source, target) : await skopeoCopy(source, target);
        await verifyCopied(target, digest);
        samples[tool].push(sample);
        const start = sample.startRssMiB === undefined ? '' : `  (RSS before the copy ${sample.startRssMiB.toFixed(1)} MiB)`;
        console.log(
          `run ${i} ${tool.padEnd(7)} peak RSS ${sample.peakRssMiB.toFixed(1).padStart(6)} MiB  wall ${sample.wallSeconds.toFixed(2)} s${start}`,
        );
      } finally {
        await target.stop();
      }
    }
  }
  const rss = { regsync: median(samples.regsync.map((s) => s.peakRssMiB)), skopeo: median(samples.skopeo.map((s) => s.peakRssMiB)) };
  const wall = { regsync: median(samples.regsync.map((s) => s.wallSeconds)), skopeo: median(samples.skopeo.map((s) => s.wallSeconds)) };
  const startRss = median(samples.regsync.map((s) => s.startRssMiB ?? 0));
  console.log(
    `${name}: median peak RSS regsync ${rss.regsync.toFixed(1)} MiB (before the copy ${startRss.toFixed(1)}), skopeo ${rss.skopeo.toFixed(1)} MiB, ratio ${(rss.regsync / rss.skopeo).toFixed(2)}`,
  );
  console.log(
    `${name}: median wall     regsync ${wall.regsync.toFixed(2)} s, skopeo ${wall.skopeo.toFixed(2)} s, ratio ${(wall.regsync / wall.skopeo).toFixed(2)}`,
  );
  const peakMb = (rss.regsync * 1024 * 1024) / 1e6;
  console.log(`${name}: goal regsync peak RSS under 150 MB: ${peakMb.toFixed(1)} MB, ${peakMb < 150 ? 'met' : 'NOT met'}`);
  if (peakMb >= 150) process.exitCode = 1;
}

async function main(): Promise<void> {
  const runs = option('runs', 3);
  const mib = option('mib', 256);
  await ensureTools();
  const worker = await workerCommand();
  const dir = await makeTempDir('bench');
  const layerFile = join(dir, 'layer.bin');
  const layer = await writeRandomLayer(layerFile, mib * 1024 * 1024);
  const source = await startRegistry();
  const digest = await pushLargeImage(source.url, REPO, TAG, layerFile, layer);
  await rm(layerFile);
  // The same image as an OCI layout on disk (written by regsync itself; skopeo reads it with oci:).
  const layout = join(dir, 'layout');
  const pool = createRegistryPool({ hosts: {}, dockerConfigDir: join(dir, 'no-docker-config') });
  await copyImage({
    source: pool.get('registry', source.host),
    sourceRepository: REPO,
    sourceReference: TAG,
    target: pool.get('ocidir', layout),
    targetRepository: REPO,
    targetTag: TAG,
  });
  await pool.close();
  console.log(
    `image ${digest} with a ${mib} MiB layer; regsync worker: ${worker.includes('tsx') ? 'TypeScript through tsx' : 'tsc output under plain node'}`,
  );
  try {
    await benchCase('registry → registry', source.host, digest, runs, worker);
    await benchCase('ocidir → registry', `ocidir://${layout}`, digest, runs, worker);
  } finally {
    await source.stop();
    await rm(layout, { recursive: true, force: true });
  }
}

await main();
