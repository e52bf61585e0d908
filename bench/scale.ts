/**
 * `npm run bench -- scale [--tags 1000] [--repos 50] [--no-count] [--no-peer] [--no-build] [--cli PATH]`
 *
 * How regsync's cost grows with the number of tags (issue 17): `--tags` in total (`--repos` repositories, the
 * rest per repository; 1000 = 50 × 20) at the source, then into a fresh destination: `regsync plan` cold (all
 * creates), `regsync apply --yes` cold, `regsync plan` again (all no-ops); skopeo beside each (`skopeo sync --all`
 * into its own fresh destination, then again as its no-op). Each command runs once, straight to the registries,
 * under GNU time: wall time, CPU (user + system, independent of the machine's load) and peak RSS (VmHWM). Then,
 * unless `--no-count`, each runs again through counting relays (fresh destinations) for its request count.
 * `--no-peer` leaves skopeo out (it takes minutes at 1000 tags on a busy 2-core machine).
 * Goals at 4000 tags: no-op plan peak RSS ≤ 100 MiB, cold apply ≤ 120 MiB.
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
import { flag, intOption, seconds } from './lib/stats.js';
import { fixtureImages, seedImages, writeConfig } from './plan-fixture.js';
import { writeFile } from 'node:fs/promises';

type Step = 'plan cold' | 'apply cold' | 'plan no-op';
const STEPS: Step[] = ['plan cold', 'apply cold', 'plan no-op'];

interface Row {
  name: string;
  run: MeasuredRun;
  requests: number | null;
}

async function main(): Promise<void> {
  const total = intOption('tags', 1000);
  const repos = intOption('repos', 50);
  const perRepo = Math.max(1, Math.round(total / repos));
  await ensureTools();
  const cli = await builtRegsync();
  const work = await benchWorkDir('scale');
  const source = await startRegistry();
  const destinations: RegistryInstance[] = [];
  const fresh = async (): Promise<RegistryInstance> => {
    const registry = await startRegistry();
    destinations.push(registry);
    return registry;
  };
  try {
    const images = fixtureImages(repos, perRepo, Date.now());
    const seeding = performance.now();
    await seedImages(source.url, images);
    const repositories = [...new Set(images.map((image) => image.repository))];
    console.log(`seeded ${images.length} tags (${repos} × ${perRepo}) in ${seconds(performance.now() - seeding)}`);

    const regsync = async (at: Endpoints, step: Step): Promise<MeasuredRun> => {
      const config = join(work.dir, `regsync-${at.source.replace(':', '_')}-${at.destination.replace(':', '_')}.yaml`);
      await writeConfig(config, at.source, at.destination, null);
      const env = { ...work.env, REGSYNC_CACHE_DIR: await work.freshDir('cache') };
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

    const rows: Row[] = [];
    // regsync: plan cold, apply cold, plan no-op, all into one fresh destination.
    const direct = await endpointsFor(source, await fresh(), false);
    for (const step of STEPS) {
      const run = await regsync(direct, step);
      rows.push({ name: `regsync ${step}`, run, requests: step === 'apply cold' ? null : planRequests(run) });
      console.log(`  regsync ${step}: ${seconds(run.wallMs)}`);
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
      for (const step of STEPS) {
        const before = counted.counted.reduce((sum, host) => sum + host.requests.length, 0);
        await regsync(counted, step);
        const row = rows.find((candidate) => candidate.name === `regsync ${step}`)!;
        row.requests = counted.counted.reduce((sum, host) => sum + host.requests.length, 0) - before;
      }
      await counted.release();
      const countedPeer = await endpointsFor(source, await fresh(), true);
      const peerHome = await work.freshDir('home');
      for (const name of peerNames) {
        const before = countedPeer.counted.reduce((sum, host) => sum + host.requests.length, 0);
        await skopeo(countedPeer, peerHome);
        rows.find((candidate) => candidate.name === name)!.requests =
          countedPeer.counted.reduce((sum, host) => sum + host.requests.length, 0) - before;
      }
      await countedPeer.release();
    }

    console.log(`\nscale: ${images.length} tags (${repos} repositories × ${perRepo}), one run each`);
    console.log(
      `${'command'.padEnd(26)}${'wall'.padStart(10)}${'CPU'.padStart(10)}${'requests'.padStart(10)}${'CPU/req'.padStart(10)}${'peak RSS'.padStart(12)}`,
    );
    for (const { name, run, requests } of rows) {
      const perRequest = requests ? `${(run.cpuMs / requests).toFixed(2)} ms` : '';
      console.log(
        `${name.padEnd(26)}${seconds(run.wallMs).padStart(10)}${seconds(run.cpuMs).padStart(10)}${String(requests ?? '').padStart(10)}${perRequest.padStart(10)}${`${run.peakRssMiB.toFixed(1)} MiB`.padStart(12)}`,
      );
    }
    const noop = rows.find((row) => row.name === 'regsync plan no-op')!.run.peakRssMiB;
    const apply = rows.find((row) => row.name === 'regsync apply cold')!.run.peakRssMiB;
    console.log(`\npeak RSS: no-op plan ${noop.toFixed(1)} MiB (goal at 4000 tags ≤ 100), cold apply ${apply.toFixed(1)} MiB (≤ 120)`);
  } finally {
    for (const registry of destinations) await registry.stop();
    await source.stop();
  }
}

await main();
