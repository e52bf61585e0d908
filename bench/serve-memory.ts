/**
 * `regsync serve` memory over many no-op cycles (issue 18: growth under 10 MB over at least 200). The built CLI
 * serves a config of 5 repositories already in sync between two real registries; each cycle is started by SIGHUP
 * as soon as the previous one has ended (no waiting for an interval), and the process's RSS (/proc/PID/status
 * VmRSS) is read after the warm-up cycles and at the end. Also prints /metrics as it is then (for the README).
 *
 *   npm run build && node --import tsx bench/serve-memory.ts [--cycles 200] [--warmup 20]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seed } from '../test/harness/images.js';
import { startRegistry } from '../test/harness/registry.js';
import { makeTempDir } from '../test/harness/temp.js';
import { ensureTools } from '../test/harness/tools.js';

const { values } = parseArgs({ options: { cycles: { type: 'string', default: '200' }, warmup: { type: 'string', default: '20' } } });
const CYCLES = Number(values.cycles);
const WARMUP = Number(values.warmup);
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

await ensureTools();
const [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
const images = ['app1', 'app2', 'app3', 'tools/cli', 'tools/lint'].flatMap((name) =>
  ['v1', 'v2'].map((tag) => ({ repository: `team/${name}`, tag, spec: { content: `${name}-${tag}`, created: '2024-05-01T00:00:00Z' } })),
);
await seed(source, images);
const dir = await makeTempDir('serve-memory');
await writeFile(
  join(dir, 'regsync.yaml'),
  `version: 1
mirrors:
  - name: apps
    source: ${source.host}/team
    destination: ${destination.host}/mirror
    executor: registry
    repositories: { include: ['^app'] }
  - name: tools
    source: ${source.host}/team/tools
    destination: ${destination.host}/tools
    executor: registry
`,
);
const child = spawn(process.execPath, [CLI, 'serve', '--interval', '1h', '--listen', '127.0.0.1:0'], {
  cwd: dir,
  env: { PATH: process.env.PATH, HOME: dir, REGSYNC_CACHE_DIR: join(dir, 'cache'), DOCKER_CONFIG: join(dir, 'docker') },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let log = '';
let ended = 0;
const waiters: Array<() => void> = [];
child.stderr.on('data', (chunk: Buffer) => {
  log += chunk.toString();
  ended = (log.match(/cycle \d+ ended/g) ?? []).length;
  for (const wake of waiters.splice(0)) wake();
});
const untilEnded = async (count: number): Promise<void> => {
  while (ended < count) await new Promise<void>((resolve) => waiters.push(resolve));
};

await untilEnded(1); // the first cycle copies everything; every later one has nothing to do
const url = /listening on (http:\/\/\S+) /.exec(log)?.[1];
let warm = 0;
const points: string[] = [];
const heapMiB = async (): Promise<string> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const mib = (name: string): string => (Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]) / 2 ** 20).toFixed(1);
  return `${mib('nodejs_heap_size_used_bytes')} of ${mib('nodejs_heap_size_total_bytes')}`;
};
const started = Date.now();
for (let cycle = 2; cycle <= CYCLES + 1; cycle += 1) {
  child.kill('SIGHUP');
  await untilEnded(cycle);
  if (cycle === WARMUP + 1) warm = rssMiB(child.pid!);
  if ((cycle - 1) % 100 === 0) points.push(`${cycle}: ${rssMiB(child.pid!).toFixed(1)} MiB (heap used ${await heapMiB()} MiB)`);
}
const last = rssMiB(child.pid!);
const seconds = (Date.now() - started) / 1000;
const metrics = await (await fetch(`${url}/metrics`)).text();
child.kill('SIGTERM');
await new Promise((resolve) => child.on('exit', resolve));
await Promise.all([source.stop(), destination.stop()]);

console.log(
  metrics
    .split('\n')
    .filter((line) => !/nodejs_|process_/.test(line))
    .join('\n'),
);
console.log(`RSS by cycle: ${points.join('; ')}`);
console.log(`no-op cycles: ${CYCLES} (back to back through SIGHUP) in ${seconds.toFixed(1)} s`);
console.log(
  `RSS after cycle ${WARMUP + 1}: ${warm.toFixed(1)} MiB; after cycle ${CYCLES + 1}: ${last.toFixed(1)} MiB; growth ${(last - warm).toFixed(1)} MiB`,
);
