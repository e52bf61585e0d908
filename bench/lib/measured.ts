import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One process run to its end under `/usr/bin/time`: what it cost, whatever the machine's load did to its wall time. */
export interface MeasuredRun {
  wallMs: number;
  /** User + system CPU of the process (its children included), in ms: independent of how busy the machine is. */
  cpuMs: number;
  /** Peak resident set size (VmHWM), in MiB. */
  peakRssMiB: number;
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs `command ARGS` under GNU time (`%M` is the peak RSS in KiB, `%U`/`%S` the CPU seconds), writing its report
 * to a file of `workDir` so the command's own stderr stays its own. Never throws on a non-zero exit.
 */
export async function measured(command: string, args: string[], env: NodeJS.ProcessEnv, workDir: string): Promise<MeasuredRun> {
  const report = join(workDir, `time-${process.pid}-${Date.now()}.txt`);
  const started = performance.now();
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  try {
    ({ stdout, stderr } = await run('/usr/bin/time', ['-o', report, '-f', '%M %U %S', command, ...args], {
      env,
      maxBuffer: 256 * 1024 * 1024,
    }));
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    stdout = failed.stdout ?? '';
    stderr = failed.stderr ?? '';
    exitCode = failed.code ?? 1;
  }
  const wallMs = performance.now() - started;
  // A failed command makes time write "Command exited with non-zero status N" first: the numbers are on the last line.
  const lines = (await readFile(report, 'utf8')).trim().split('\n');
  await rm(report, { force: true });
  const [kib, user, system] = lines[lines.length - 1]!.split(' ').map(Number);
  return { wallMs, cpuMs: ((user ?? 0) + (system ?? 0)) * 1000, peakRssMiB: (kib ?? 0) / 1024, stdout, stderr, exitCode };
}
