/**
 * `npm run bench -- scale [--tags 200,1000,4000] [--repos N] [--mixed] [--no-count] [--no-peer] [--no-build] [--cli PATH]`
 *
 * How regsync's cost grows with the number of tags (issue 17). For each size in `--tags` (default 1000): that many
 * tags at a fresh source (`--repos` repositories, by default 20 × 10 for 200, 50 × 20 for 1000, 100 × 40 for 4000,
 * as the issue measured; single-platform images unless `--mixed` makes every 5th tag a two-platform index), then
 * into a fresh destination: `regsync plan` cold (all creates), `regsync apply --yes` cold, `regsync plan` again
 * (all no-ops), and twice a plan with `latest: 5` (the second with the first's facts cache, as a scheduled job
 * runs it); skopeo beside (`skopeo sync --all` into its own fresh destination, then again as its no-op). Each
 * command runs once, straight to the registries, under GNU time: wall time, CPU (user + system, independent of
 * the machine's load) and peak RSS (VmHWM). Then, unless `--no-count`, each runs again through counting relays
 * (fresh destinations) for its request count. `--no-peer` leaves skopeo out (minutes at 1000 tags here).
 * Goals at 4000 tags: cold plan ≤ 8 200 requests, second `latest: 5` plan ≤ 4 800, no-op plan peak RSS ≤ 100 MiB,
 * cold apply ≤ 120 MiB; times no worse than the issue's (cold plan 12.3 s, no-op 5.2 s, apply 77 s).
 */
import { join } from 'node:path';
import { startRegistry } from '../test/harness/registry.js';
import type { RegistryInstance } from '../test/harness/registry.js';
import { ensureTools } from '../test/harness/tools.js';
import { endpointsFor } from './lib/setup.js';
import { benchWorkDir } from './lib/setup.js';
import type { Endpoints } from './lib/compare.js';
import { measured } from './lib/measured.js';
import type { MeasuredRun } from './lib/measured.js';
import { builtRegsync } from './lib/regsync-cli.js';
import { flag, seconds } from './lib/stats.js';
import { fixtureImages, seedImages, writeConfig } from './plan-fixture.js';
import { writeFile } from 'node:fs/promises';

type Step = 'plan cold' | 'apply cold' | 'plan no-op' | 'plan latest: 5' | 'plan latest: 5 again';
const STEPS: Step[] = ['plan cold', 'apply cold', 'plan no-op', 'plan latest: 5', 'plan latest: 5 again'];
const LATEST = 5;

/** The issue's shapes: 200 = 20 × 10, 1000 = 50 × 20, 4000 = 100 × 40; other sizes about 2.5 tags per repository per 100. */
const ISSUE_REPOS: Record<number, number> = { 200: 20, 1000: 50, 4000: 100 };

interface Row {
  name: string;
  run: MeasuredRun;
  requests: number | null;
}

interface SizeResult {
  tags: number;
  repos: number;
  rows: Row[];
}

type Work = Awaited<ReturnType<typeof benchWorkDir>>;

function sizes(): number[] {
  const i = process.argv.indexOf('--tags');
  const raw = i >= 0 ? (process.argv[i + 1] ?? '') : '1000';
  const values = raw.split(',').map(Number);
  if (values.some((value) => !Number.isInteger(value) || value <= 0)) throw new Error('--tags needs positive integers, e.g. 200,1000,4000');
  return values;
}

function reposFor(tags: number): number {
  const i = process.argv.indexOf('--repos');
  if (i >= 0) {
    const value = Number(process.argv[i + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new Error('--repos needs a positive integer');
    return value;
  }
  return ISSUE_REPOS[tags] ?? Math.max(1, Math.round(Math.sqrt(tags * 2.5)));
}

async function scaleAt(total: number, cli: string, work: Work): Promise<SizeResult> {
  const repos = reposFor(total);
  const perRepo = Math.max(1, Math.round(total / repos));
  const source = await startRegistry();
  const destinations: RegistryInstance[] = [];
  const fresh = async (): Promise<RegistryInstance> => {
    const registry = await startRegistry();
    destinations.push(registry);
    return registry;
  };
  try {
    const images = fixtureImages(repos, perRepo, Date.now(), flag('mixed') ? 'mixed' : 'single');
    const seeding = performance.now();
    await seedImages(source.url, images);
    const repositories = [...new Set(images.map((image) => image.repository))];
    console.log(`\nseeded ${images.length} tags (${repos} × ${perRepo}) in ${seconds(performance.now() - seeding)}`);

    // One facts cache per destination pass: the cold steps each start empty, the second `latest` plan reuses the first's.
    const regsync = async (at: Endpoints, step: Step, caches: Map<string, string>): Promise<MeasuredRun> => {
      const latest = step.startsWith('plan latest') ? LATEST : null;
      const name = `regsync-${latest ? 'latest-' : ''}${at.source.replace(':', '_')}-${at.destination.replace(':', '_')}.yaml`;
      const config = join(work.dir, name);
      await writeConfig(config, at.source, at.destination, null, { executor: 'registry' }, latest);
      const cacheKey = latest ? 'latest' : step;
      if (!caches.has(cacheKey)) caches.set(cacheKey, await work.freshDir('cache'));
      const env = { ...work.env, REGSYNC_CACHE_DIR: caches.get(cacheKey) };
      const args = step === 'apply cold' ? ['apply', '--yes', '--json'] : ['plan', '--json'];
      const result = await measured(process.execPath, [cli, ...args, '-c', config], env, work.dir);
      if (result.exitCode !== 0) throw new Error(`regsync ${step} failed (${result.exitCode}): ${result.stderr.slice(-2000)}`);
      return result;
    };
    const skopeo = async (at: Endpoints, home: string): Promise<MeasuredRun> => {
      const file = join(work.dir, `skopeo-${at.source.replace(':', '_')}.yaml`);
      const lines = repositories.map((repository) => `    ${repository}: []`);
      await writeFile(file, [`${at.source}:`, '  tls-verify: false', '  images:', ...lines, ''].join('\n'));
      const args = ['sync', '--all', '--src', 'yaml', '--dest', 'docker', '--dest-tls-verify=false', '--dest-no-creds'];
      const result = await measured('skopeo', [...args, file, `${at.destination}/bench`], { ...work.env, HOME: home }, work.dir);
      if (result.exitCode !== 0) throw new Error(`skopeo sync failed (${result.exitCode}): ${result.stderr.slice(-2000)}`);
      return result;
    };
    const planRequests = (run: MeasuredRun): number => (JSON.parse(run.stdout) as { stats: { requests: number } }).stats.requests;
    const requestsSoFar = (at: Endpoints): number => at.counted.reduce((sum, host) => sum + host.requests.length, 0);

    const rows: Row[] = [];
    // regsync: every step into one fresh destination, in order (the no-op and `latest` plans see the applied copy).
    const direct = await endpointsFor(source, await fresh(), false);
    const directCaches = new Map<string, string>();
    for (const step of STEPS) {
      const run = await regsync(direct, step, directCaches);
      rows.push({ name: `regsync ${step}`, run, requests: step === 'apply cold' ? null : planRequests(run) });
      console.log(`  regsync ${step}: ${seconds(run.wallMs)}, peak RSS ${run.peakRssMiB.toFixed(1)} MiB`);
    }
    // skopeo: a cold sync, then the same sync again (its no-op), into another fresh destination.
    const peerNames = flag('no-peer') ? [] : ['skopeo sync --all cold', 'skopeo sync --all no-op'];
    const peer = await endpointsFor(source, await fresh(), false);
    const home = await work.freshDir('home');
    for (const name of peerNames) {
      rows.push({ name, run: await skopeo(peer, home), requests: null });
      console.log(`  ${name}: ${seconds(rows.at(-1)!.run.wallMs)}`);
    }
    if (!flag('no-count')) {
      const counted = await endpointsFor(source, await fresh(), true);
      const countedCaches = new Map<string, string>();
      for (const step of STEPS) {
        const before = requestsSoFar(counted);
        await regsync(counted, step, countedCaches);
        rows.find((candidate) => candidate.name === `regsync ${step}`)!.requests = requestsSoFar(counted) - before;
      }
      await counted.release();
      const countedPeer = await endpointsFor(source, await fresh(), true);
      const peerHome = await work.freshDir('home');
      for (const name of peerNames) {
        const before = requestsSoFar(countedPeer);
        await skopeo(countedPeer, peerHome);
        rows.find((candidate) => candidate.name === name)!.requests = requestsSoFar(countedPeer) - before;
      }
      await countedPeer.release();
    }
    return { tags: images.length, repos, rows };
  } finally {
    for (const registry of destinations) await registry.stop();
    await source.stop();
  }
}

function printSize({ tags, repos, rows }: SizeResult): void {
  console.log(`\nscale: ${tags} tags (${repos} repositories × ${tags / repos}), one run each`);
  console.log(
    `${'command'.padEnd(28)}${'wall'.padStart(10)}${'CPU'.padStart(10)}${'requests'.padStart(10)}${'CPU/req'.padStart(10)}${'peak RSS'.padStart(12)}`,
  );
  for (const { name, run, requests } of rows) {
    const perRequest = requests ? `${(run.cpuMs / requests).toFixed(2)} ms` : '';
    console.log(
      `${name.padEnd(28)}${seconds(run.wallMs).padStart(10)}${seconds(run.cpuMs).padStart(10)}${String(requests ?? '').padStart(10)}${perRequest.padStart(10)}${`${run.peakRssMiB.toFixed(1)} MiB`.padStart(12)}`,
    );
  }
  const row = (name: string): Row => rows.find((candidate) => candidate.name === name)!;
  const skopeoNoop = rows.find((candidate) => candidate.name === 'skopeo sync --all no-op');
  const skopeoCold = rows.find((candidate) => candidate.name === 'skopeo sync --all cold');
  if (skopeoNoop && skopeoCold) {
    console.log(
      `skopeo ÷ regsync: no-op ${(skopeoNoop.run.wallMs / row('regsync plan no-op').run.wallMs).toFixed(2)}×, ` +
        `cold copy ${(skopeoCold.run.wallMs / row('regsync apply cold').run.wallMs).toFixed(2)}×`,
    );
  }
  if (tags !== 4000) return;
  // The issue's goals, written for 4000 single-platform tags (100 × 40).
  const check = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const within = (name: string, goal: number): string => {
    const requests = row(name).requests;
    return requests === null ? 'not counted' : `${requests} (goal ≤ ${goal}: ${check(requests <= goal)})`;
  };
  const noRss = row('regsync plan no-op').run.peakRssMiB;
  const applyRss = row('regsync apply cold').run.peakRssMiB;
  // The issue counts 2 requests per tag plus the lists (8 200, its 440 for 20 × 10 likewise): both tag lists of
  // each repository, and here the one catalog page that finds the 100 repositories under the source prefix.
  const catalog = Math.ceil(repos / 1000);
  console.log(
    `requests: cold plan ${within('regsync plan cold', 8200 + catalog)}, second latest: ${LATEST} plan ${within('regsync plan latest: 5 again', 4800)}` +
      ` (the lists include ${catalog} catalog page)`,
  );
  console.log(
    `peak RSS: no-op plan ${noRss.toFixed(1)} MiB (goal ≤ 100: ${check(noRss <= 100)}), cold apply ${applyRss.toFixed(1)} MiB (goal ≤ 120: ${check(applyRss <= 120)})`,
  );
  console.log(
    `wall against the issue's: cold plan ${seconds(row('regsync plan cold').run.wallMs)} (12.3 s), no-op ${seconds(row('regsync plan no-op').run.wallMs)} (5.2 s), ` +
      `apply ${seconds(row('regsync apply cold').run.wallMs)} (77 s)`,
  );
}

async function main(): Promise<void> {
  await ensureTools();
  const cli = await builtRegsync();
  const work = await benchWorkDir('scale');
  const results: SizeResult[] = [];
  for (const total of sizes()) results.push(await scaleAt(total, cli, work));
  for (const result of results) printSize(result);
}

await main();
