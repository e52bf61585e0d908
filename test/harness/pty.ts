/**
 * A command on a REAL pseudo-terminal: util-linux `script` gives it a pty (isTTY, raw mode, window size, Ctrl-C as
 * a key), and everything the terminal shows comes back on script's stdout. Input is typed through a FIFO that stays
 * open until the command ends (LAB.md "A real terminal"): input written before the program reads it, or a closed
 * stdin, makes `script` send keys (an extra Ctrl-D) nobody typed. Type only after waitFor() saw the prompt.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { onProcessExit } from './exit.js';
import { makeTempDir } from './temp.js';

/** Sessions still running: a test that failed while waiting must not leave a command on a terminal behind. */
const running = new Set<{ kill(signal: NodeJS.Signals): unknown }>();
onProcessExit(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

export interface PtyOptions {
  cwd: string;
  /** The command's whole environment (TERM defaults to xterm-256color). */
  env: NodeJS.ProcessEnv;
  /** What the terminal reports (`stty cols`/`rows`); 0 columns is a terminal that reports no width. */
  columns?: number;
  rows?: number;
}

export interface PtyExit {
  /** The command's exit code (script -e passes it on; 128+N when a signal N ended it). */
  code: number | null;
  /** Everything the terminal showed, escape sequences included. */
  output: string;
}

export interface PtySession {
  /** What the terminal has shown so far, escape sequences included. */
  output(): string;
  /** Resolves once the terminal has shown `pattern` (in plainText form); rejects if the command ends first. */
  waitFor(pattern: string | RegExp, options?: { deadlineMs?: number }): Promise<void>;
  /** Types keys on the terminal: `yes\r` answers a prompt, `\x03` is Ctrl-C, `\x04` is Ctrl-D. */
  type(keys: string): void;
  /** Sends a signal to `script` itself (it passes SIGINT/SIGTERM on to the command). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the command has ended. */
  exited: Promise<PtyExit>;
  /** exited, with the same safety net as waitFor: a command still running after the deadline is killed, and this rejects. */
  waitForExit(options?: { deadlineMs?: number }): Promise<PtyExit>;
}

/** How long waitFor waits before it gives up and kills the session (default). */
const WAIT_DEADLINE_MS = 30_000;

const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/** Runs argv (no shell in between: `exec`, so Ctrl-C and signals reach the command itself) on a pseudo-terminal. */
export async function runInPty(argv: readonly string[], options: PtyOptions): Promise<PtySession> {
  const dir = await makeTempDir('pty-');
  const fifo = join(dir, 'keys');
  execFileSync('mkfifo', [fifo]);
  // Opened read-write first so neither end blocks; then script's read end and our write end; then the first fd
  // goes, so closing our write end would be the only way script sees EOF (we keep it open until the exit).
  const both = openSync(fifo, constants.O_RDWR);
  const readEnd = openSync(fifo, constants.O_RDONLY);
  const writeEnd = openSync(fifo, constants.O_WRONLY);
  closeSync(both);
  const columns = options.columns ?? 120;
  const rows = options.rows ?? 40;
  const command = `stty cols ${columns} rows ${rows}; exec ${argv.map(quote).join(' ')}`;
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: options.cwd,
    env: { TERM: 'xterm-256color', ...options.env },
    stdio: [readEnd, 'pipe', 'pipe'],
  });
  closeSync(readEnd);
  running.add(child);
  let output = '';
  let ended = false;
  const watchers = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const watcher of [...watchers]) watcher();
  };
  // stdin is the FIFO's fd, so node types stdout/stderr as possibly absent: they are pipes here.
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<PtyExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      ended = true;
      running.delete(child);
      closeSync(writeEnd);
      for (const watcher of [...watchers]) watcher();
      resolve({ code: code ?? (signal === null ? null : 128), output });
    });
  });
  return {
    output: () => output,
    waitFor: (pattern, { deadlineMs = WAIT_DEADLINE_MS } = {}) =>
      new Promise<void>((resolve, reject) => {
        // A safety net, not a measurement: a screen that never comes (a hung command) ends the session and the
        // wait, so the test fails with what the terminal showed instead of hanging its file.
        const deadline = setTimeout(() => {
          watchers.delete(check);
          child.kill('SIGKILL');
          reject(new Error(`the terminal did not show ${String(pattern)} within ${deadlineMs} ms; it showed:\n${plainText(output)}`));
        }, deadlineMs);
        const check = (): void => {
          const text = plainText(output);
          if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) {
            watchers.delete(check);
            clearTimeout(deadline);
            resolve();
          } else if (ended) {
            watchers.delete(check);
            clearTimeout(deadline);
            reject(new Error(`the command ended before the terminal showed ${String(pattern)}; it showed:\n${text}`));
          }
        };
        watchers.add(check);
        check();
      }),
    type: (keys) => void writeSync(writeEnd, keys),
    kill: (signal) => void child.kill(signal),
    exited,
    waitForExit: ({ deadlineMs = WAIT_DEADLINE_MS } = {}) => {
      let deadline: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        deadline = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the command was still running after ${deadlineMs} ms; the terminal showed:\n${plainText(output)}`));
        }, deadlineMs);
      });
      return Promise.race([exited, late]).finally(() => clearTimeout(deadline));
    },
  };
}

/** Terminal output as a person reads it: escape sequences (colours, cursor moves, erasing) and carriage returns removed. */
export function plainText(output: string): string {
  return (
    output
      // CSI sequences (colours, erase, cursor), then OSC and two-byte escapes.
      // eslint-disable-next-line no-control-regex -- terminal escapes are control characters by definition
      .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
      // eslint-disable-next-line no-control-regex -- as above
      .replace(/\x1b\][^\x07]*\x07|\x1b[@-_]/g, '')
      .replace(/\r/g, '')
  );
}
