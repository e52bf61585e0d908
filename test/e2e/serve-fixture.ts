/**
 * `regsync serve` as a child process (node dist/cli.js, built first) against real registries: its log on stderr,
 * its HTTP endpoints on an OS-chosen port it names in its log, and /metrics parsed into samples.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  /** Everything written on stderr so far (the log). */
  log(): string;
  /** http://127.0.0.1:PORT */
  url: string;
  exited: Promise<number | null>;
}

export async function startServe(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await waitFor(
    'the listening line',
    () => /listening on (http:\/\/\S+) /.exec(stderr)?.[1] ?? null,
    () => stderr,
  );
  return { child, log: () => stderr, url, exited };
}

/** Polls `probe` until it gives a value (not null/false); fails after 60 s with `context()` in the message. */
export async function waitFor<T>(
  what: string,
  probe: () => T | null | false | Promise<T | null | false>,
  context: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, sample lines only. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

export async function scrape(serve: ServeProcess): Promise<Sample[]> {
  const response = await fetch(`${serve.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await response.text());
}

/** The value of the sample `name` whose labels include `labels`; null when there is none. */
export function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | null {
  const found = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found?.value ?? null;
}
