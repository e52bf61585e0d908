/**
 * Copies a one-layer image with a 256 MiB random layer between two real registries with regsync's
 * copyImage and with `skopeo copy --all`, 3 runs each, interleaved; prints peak RSS and wall time
 * medians and their ratios. Peak RSS of both comes from /usr/bin/time (%M), so both are measured
 * the same way, including each runtime's own start-up memory.
 *
 *   node --import tsx bench/copy-large-blob.ts [--runs 3] [--mib 256]
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
import { pushLargeImage, writeRandomLayer } from './push-large-image.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));

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
  if (rss === undefined || elapsed === undefined || !Number.isFinite(rss) || !Number.isFinite(elapsed)) throw new Error(`cannot read /usr/bin/time output: ${stderr}`);
  return { peakRssMiB: rss / 1024, wallSeconds: elapsed, stdout };
}

async function regsyncCopy(source: RegistryInstance, target: RegistryInstance): Promise<Sample> {
  const sample = await timed(process.execPath, ['--import', 'tsx', join(here, 'copy-large-blob-worker.ts'), source.host, 'bench/large', 'v1', target.host, 'bench/large']);
  // The worker's own getrusage: /usr/bin/time around `node --import tsx` can report nonsense for the loader's process tree.
  const report = JSON.parse(sample.stdout.trim().split('\n').at(-1) ?? '{}') as { maxRssKiB?: number; rssBeforeCopyKiB?: number; bytesCopied?: number };
  if (typeof report.maxRssKiB !== 'number' || typeof report.rssBeforeCopyKiB !== 'number') throw new Error(`worker printed no report: ${sample.stdout}`);
  return { peakRssMiB: report.maxRssKiB / 1024, wallSeconds: sample.wallSeconds, startRssMiB: report.rssBeforeCopyKiB / 1024 };
}

async function skopeoCopy(source: RegistryInstance, target: RegistryInstance): Promise<Sample> {
  return timed('skopeo', ['copy', '--all', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${source.host}/bench/large:v1`, `docker://${target.host}/bench/large:v1`]);
}

async function verifyCopied(target: RegistryInstance, digest: string): Promise<void> {
  const response = await fetch(`${target.url}/v2/bench/large/manifests/v1`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  const got = response.headers.get('docker-content-digest');
  if (got !== digest) throw new Error(`destination has ${got ?? 'nothing'}, expected ${digest}`);
}

async function main(): Promise<void> {
  const runs = option('runs', 3);
  const mib = option('mib', 256);
  await ensureTools();
  const dir = await makeTempDir('bench');
  const layerFile = join(dir, 'layer.bin');
  const layer = await writeRandomLayer(layerFile, mib * 1024 * 1024);
  const source = await startRegistry();
  const digest = await pushLargeImage(source.url, 'bench/large', 'v1', layerFile, layer);
  await rm(layerFile);
  console.log(`image ${digest} with a ${mib} MiB layer at ${source.host}; ${runs} runs each, interleaved, fresh destination registry per run`);

  const samples: Record<'regsync' | 'skopeo', Sample[]> = { regsync: [], skopeo: [] };
  for (let i = 1; i <= runs; i += 1) {
    for (const tool of ['regsync', 'skopeo'] as const) {
      // A fresh destination each time: nothing to skip, and no skopeo blob-info cache hits for a known port.
      const target = await startRegistry();
      try {
        const sample = tool === 'regsync' ? await regsyncCopy(source, target) : await skopeoCopy(source, target);
        await verifyCopied(target, digest);
        samples[tool].push(sample);
        const start = sample.startRssMiB === undefined ? '' : `  (RSS before the copy ${sample.startRssMiB.toFixed(1)} MiB)`;
        console.log(`run ${i} ${tool.padEnd(7)} peak RSS ${sample.peakRssMiB.toFixed(1).padStart(6)} MiB  wall ${sample.wallSeconds.toFixed(2)} s${start}`);
      } finally {
        await target.stop();
      }
    }
  }
  await source.stop();

  const rss = { regsync: median(samples.regsync.map((s) => s.peakRssMiB)), skopeo: median(samples.skopeo.map((s) => s.peakRssMiB)) };
  const wall = { regsync: median(samples.regsync.map((s) => s.wallSeconds)), skopeo: median(samples.skopeo.map((s) => s.wallSeconds)) };
  console.log('');
  console.log(`median peak RSS: regsync ${rss.regsync.toFixed(1)} MiB, skopeo ${rss.skopeo.toFixed(1)} MiB, ratio regsync/skopeo ${(rss.regsync / rss.skopeo).toFixed(2)}`);
  console.log(`median wall:     regsync ${wall.regsync.toFixed(2)} s, skopeo ${wall.skopeo.toFixed(2)} s, ratio regsync/skopeo ${(wall.regsync / wall.skopeo).toFixed(2)}`);
  const goalMb = 150;
  const peakMb = (rss.regsync * 1024 * 1024) / 1e6;
  console.log(`goal: regsync peak RSS under ${goalMb} MB: ${peakMb.toFixed(1)} MB, ${peakMb < goalMb ? 'met' : 'NOT met'}`);
  if (peakMb >= goalMb) process.exitCode = 1;
}

await main();
