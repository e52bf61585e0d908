import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { flag } from './stats.js';

const run = promisify(execFile);

/** The repository root (bench/lib/ is two levels below it). */
export const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '../..');

/**
 * `npm run build`, then dist/cli.js: regsync as users run it (plain node, compiled code). `--no-build`
 * reuses an existing dist/; `--cli PATH` runs another build's cli.js (e.g. a branch checked out elsewhere).
 */
export async function builtRegsync(): Promise<string> {
  const other = process.argv.indexOf('--cli');
  if (other >= 0) {
    const given = process.argv[other + 1];
    if (given === undefined || !existsSync(given)) throw new Error(`--cli needs the path of a built cli.js (got ${given})`);
    return resolve(given);
  }
  const cli = join(ROOT, 'dist/cli.js');
  if (!flag('no-build') || !existsSync(cli)) {
    await run('npm', ['run', '--silent', 'build'], { cwd: ROOT });
  }
  return cli;
}

export interface RegsyncRun {
  wallMs: number;
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs `node dist/cli.js ARGS` to the end; never throws on a non-zero exit (the caller decides). */
export async function runRegsync(cli: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<RegsyncRun> {
  const started = performance.now();
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env, cwd, maxBuffer: 256 * 1024 * 1024 });
    return { wallMs: performance.now() - started, stdout, stderr, exitCode: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    return { wallMs: performance.now() - started, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', exitCode: failed.code ?? 1 };
  }
}

/** Does this build have a working `apply` (the apply issue may not have landed where the bench runs)? */
export async function applyAvailable(cli: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const help = await runRegsync(cli, ['apply', '--help'], env);
  return /--yes\b/.test(help.stdout);
}
