/**
 * `npm run bench -- startup [--runs 15] [--no-build] [--tsc]`
 *
 * Process start-up, the cost every command pays before any work: `regsync --version`, `regsync validate` and
 * `regsync plan` of the quickstart config against `node -e 0`, run alternately. Goals: `--version` within 1.3×
 * (issue 17; issue 9 asked 2.5×), `validate` within 4×. `--tsc` also runs each command from tsc's
 * one-file-per-module output (built into .tmp/bench-startup-tsc/), the layout `npm run build` wrote before it
 * bundled with esbuild (issue 17): with and without the bundle.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { builtRegsync, ROOT } from './lib/regsync-cli.js';
import { flag, intOption, median } from './lib/stats.js';

const run = promisify(execFile);

async function wall(args: string[]): Promise<number> {
  const started = performance.now();
  await run(process.execPath, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  return performance.now() - started;
}

/** tsc's output of src/ in a private package root (package.json, schemas/, the bundle's precompiled validators). */
async function tscRegsync(): Promise<string> {
  const packageRoot = join(ROOT, '.tmp/bench-startup-tsc');
  await rm(packageRoot, { recursive: true, force: true });
  await mkdir(packageRoot, { recursive: true });
  await copyFile(join(ROOT, 'package.json'), join(packageRoot, 'package.json'));
  await symlink(join(ROOT, 'schemas'), join(packageRoot, 'schemas'));
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(packageRoot, 'dist')]);
  for (const file of ['config/config-validator.cjs', 'planfile/plan-validator.cjs']) {
    await copyFile(join(ROOT, 'dist', file), join(packageRoot, 'dist', file));
  }
  return join(packageRoot, 'dist/cli.js');
}

async function main(): Promise<void> {
  const runs = intOption('runs', 15);
  const cli = await builtRegsync();
  const quickstart = join(ROOT, 'examples/quickstart/regsync.yaml');
  const builds = [{ label: '', cli }];
  if (flag('tsc')) builds.push({ label: ' (tsc)', cli: await tscRegsync() });
  const commands = [{ name: 'node -e 0', args: ['-e', '0'], goal: null as number | null }];
  for (const [what, args, goal] of [
    ['--version', ['--version'], 1.3],
    ['validate -c examples/quickstart/regsync.yaml', ['validate', '-c', quickstart], 4],
    ['plan -c examples/quickstart/regsync.yaml', ['plan', '-c', quickstart], null],
  ] as const) {
    for (const build of builds) commands.push({ name: `regsync ${what}${build.label}`, args: [build.cli, ...args], goal });
  }
  const samples = commands.map(() => [] as number[]);
  for (const command of commands) await wall(command.args); // warm the page cache
  for (let i = 0; i < runs; i += 1) {
    for (const [c, command] of commands.entries()) samples[c]!.push(await wall(command.args));
  }
  const base = median(samples[0]!);
  console.log(`\n== start-up: ${runs} runs each, alternating\n`);
  console.log('| command | median wall | ÷ node -e 0 | goal |');
  console.log('|---|---|---|---|');
  for (const [c, command] of commands.entries()) {
    const ms = median(samples[c]!);
    const ratio = ms / base;
    const goal = command.goal === null ? '' : `within ${command.goal}×: ${ratio <= command.goal ? 'met' : 'NOT met'}`;
    console.log(`| ${command.name} | ${ms.toFixed(0)} ms | ${ratio.toFixed(2)} | ${goal} |`);
  }
}

await main();
