import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { onProcessExit } from './exit.js';

/** A background daemon in its own process group, with its output in a log file. */
export interface Daemon {
  pid: number;
  logFile: string;
  /** True once the process has exited (or was never started). */
  exited(): boolean;
  /** Sends `signal` to the whole group, waits until the process is gone, SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const running = new Set<number>();

onProcessExit(() => {
  for (const pid of running) killGroup(pid, 'SIGKILL');
  running.clear();
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Gone or a zombie: /proc/PID/stat is the reliable check (kill -0 succeeds on zombies, LAB.md). */
function procGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A bash watchdog that kills the daemon's process group when our process dies without running
 * exit handlers (SIGKILL, OOM): its stdin is a pipe from us, EOF means we are gone. A normal stop
 * writes a line, and the watchdog exits without killing anything.
 */
function startWatchdog(pgid: number, cleanupDir: string | undefined): ChildProcess {
  // The directory is passed as $1, never spliced into the script.
  const script = `if read -r _; then exit 0; fi; kill -9 -- -${pgid} 2>/dev/null; if [ -n "$1" ]; then sleep 0.3; awk '{print $5}' /proc/self/mountinfo | grep -F -- "$1/" | sort -r | xargs -r -n1 umount -l; rm -rf -- "$1"; fi; exit 0`;
  const watchdog = spawn('bash', ['-c', script, 'regsync-watchdog', cleanupDir ?? ''], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watchdog.unref();
  (watchdog.stdin as unknown as Socket).unref();
  watchdog.on('error', () => undefined);
  return watchdog;
}

/** `cleanupDir` is removed by the watchdog when our process dies without cleaning up (normal paths remove it themselves). */
export function spawnDaemon(
  command: string,
  args: string[],
  options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string; cleanupDir?: string },
): Daemon {
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
      cwd: options.cwd,
      // Own process group, so stop() also reaches helpers the daemon starts (dockerd's containerd).
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  let hasExited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      hasExited = true;
      resolve();
    });
    child.once('error', () => {
      hasExited = true;
      resolve();
    });
  });
  // A test file that forgets stop() must still end; the exit handler kills the daemon.
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    return { pid: -1, logFile: options.logFile, exited: () => true, stop: async () => exitedPromise };
  }
  running.add(pid);
  const watchdog = startWatchdog(pid, options.cleanupDir);

  const stop = async (signal: NodeJS.Signals = 'SIGKILL', graceMs = 5000): Promise<void> => {
    killGroup(pid, signal);
    const deadline = Date.now() + graceMs;
    while (!(hasExited && procGone(pid)) && Date.now() < deadline) {
      await Promise.race([exitedPromise, sleep(20)]);
      if (hasExited && procGone(pid)) break;
    }
    if (!hasExited || !procGone(pid)) {
      killGroup(pid, 'SIGKILL');
      await Promise.race([exitedPromise, sleep(5000)]);
      while (!procGone(pid)) await sleep(20);
    }
    // Stragglers in the group (a containerd that ignored SIGTERM) must not outlive the test.
    killGroup(pid, 'SIGKILL');
    running.delete(pid);
    watchdog.stdin?.end('stop\n');
  };

  return { pid, logFile: options.logFile, exited: () => hasExited, stop };
}

/** The last lines of a log, for error messages when a daemon did not come up. */
export function logTail(logFile: string, lines = 20): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
