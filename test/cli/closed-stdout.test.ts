/**
 * A reader that stops early (`regsync plan --help | head -2`) closes regsync's stdout: the real process then ends
 * quietly, with no EPIPE stack trace on stderr and the exit code it would have had. The reader here closes its
 * end before regsync writes anything, so every command's first write meets the closed pipe (no race with `head`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { regsyncArgv } from '../harness/regsync-argv.js';
import { makeTempDir } from '../harness/temp.js';

const QUICKSTART = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));

/** Runs regsync with its stdout a pipe whose reader has already gone; stderr is collected. */
async function withClosedStdout(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const [node, ...rest] = regsyncArgv(args);
  const child = spawn(node!, rest, { cwd, env: { PATH: process.env.PATH, REGSYNC_CACHE_DIR: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stderr };
}

/** And the same with a reader that closes after the first line it gets, as `| head -1` does. */
async function firstLineOnly(args: string[], cwd: string): Promise<{ code: number | null; stderr: string; line: string }> {
  const [node, ...rest] = regsyncArgv(args);
  const child = spawn(node!, rest, { cwd, env: { PATH: process.env.PATH, REGSYNC_CACHE_DIR: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('\n')) child.stdout.destroy();
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stderr, line: stdout.split('\n')[0]! };
}

describe('a closed stdout ends any command quietly', () => {
  const cases: Array<[args: string[], code: number]> = [
    [['plan', '--help'], 0],
    [['help', 'plan'], 0],
    [['apply', '--help'], 0],
    [['--version'], 0],
    [['schema'], 0],
    [['plan', '-c', 'regsync.yaml'], 0],
    [['config', '-c', 'regsync.yaml'], 0],
    [['validate', '-c', 'regsync.yaml'], 0],
  ];
  for (const [args, code] of cases) {
    it(`regsync ${args.join(' ')}: exit ${code}, nothing on stderr`, async () => {
      const dir = await makeTempDir('closed-stdout-');
      await cp(QUICKSTART, dir, { recursive: true, filter: (path) => !path.includes('/mirrored') });
      const result = await withClosedStdout(args, dir);
      assert.equal(result.stderr, '');
      assert.equal(result.code, code);
    });
  }

  it('regsync help plan | head -1: the first line, then a quiet exit 0', async () => {
    const result = await firstLineOnly(['help', 'plan'], await makeTempDir('closed-stdout-'));
    assert.match(result.line, /^Usage: regsync plan /);
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
  });
});
