/**
 * `npm run bench -- startup [--runs 15] [--no-build]`
 *
 * Process start-up, the cost every command pays before any work: `regsync --version` and `regsync validate`
 * of the quickstart config against `node -e 0`, run alternately. Goals (issue 9): within 2.5× and 4×.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { builtRegsync, ROOT } from './lib/regsync-cli.js';
import { intOption, median, seconds } from './lib/stats.js';

const run = promisify(execFile);

async function wall(args: string[]): Promise<number> {
  const started = performance.now();
  await run(process.execPath, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  return performance.now() - started;
}

async function main(): Promise<void> {
  const runs = intOption('runs', 15);
  const cli = await builtRegsync();
  const quickstart = join(ROOT, 'examples/quickstart/regsync.yaml');
  const commands = [
    { name: 'node -e 0', args: ['-e', '0'], goal: null },
    { name: 'regsync --version', args: [cli, '--version'], goal: 2.5 },
    { name: 'regsync validate -c examples/quickstart/regsync.yaml', args: [cli, 'validate', '-c', quickstart], goal: 4 },
  ];
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
    console.log(`| ${command.name} | ${seconds(ms)} | ${ratio.toFixed(2)} | ${goal} |`);
  }
}

await main();
