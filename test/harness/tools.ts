import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The programs the harness runs, and the Debian package that brings each one (null: cannot install). */
export const REQUIRED_TOOLS: ReadonlyArray<{ command: string; debianPackage: string | null }> = [
  { command: 'docker-registry', debianPackage: 'docker-registry' },
  { command: 'dockerd', debianPackage: 'docker.io' },
  { command: 'docker', debianPackage: 'docker.io' },
  { command: 'skopeo', debianPackage: 'skopeo' },
  { command: 'htpasswd', debianPackage: 'apache2-utils' },
  // The docker executor's Engine API is also tested against podman's Docker-compatible service.
  { command: 'podman', debianPackage: 'podman' },
  // serve's /metrics is scraped by a real Prometheus and checked by promtool.
  { command: 'prometheus', debianPackage: 'prometheus' },
  { command: 'promtool', debianPackage: 'prometheus' },
  // Preinstalled on Debian; never named in the apt line (naming it upgrades it, LAB.md).
  { command: 'openssl', debianPackage: null },
];

/** The fixed install line of LAB.md: the whole set, so one run brings everything. */
const APT_PACKAGES = ['docker-registry', 'skopeo', 'apache2-utils', 'docker.io', 'podman', 'prometheus'];

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // Try the next PATH entry.
    }
  }
  return false;
}

export function missingTools(): string[] {
  return REQUIRED_TOOLS.filter((tool) => !onPath(tool.command)).map((tool) => tool.command);
}

function installHint(missing: string[]): string {
  const packages = [...new Set(REQUIRED_TOOLS.filter((t) => missing.includes(t.command)).map((t) => t.debianPackage ?? t.command))];
  return `the test harness needs ${missing.join(', ')} on PATH; install them (Debian: apt-get install --no-install-recommends ${packages.join(' ')}) or run the tests as root on Debian so they are installed automatically`;
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Test files run in parallel processes: only one of them may run apt-get at a time. */
function withInstallLock<T>(fn: () => T): T {
  const lock = join(tmpdir(), 'regsync-harness-apt.lock');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      // A lock older than 10 minutes belongs to a process that died mid-install.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 10 * 60_000) unlinkSync(lock);
      } catch {
        // Removed by its owner meanwhile.
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      sleepSync(500);
    }
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // Already gone.
    }
  }
}

function run(command: string, args: string[]): void {
  // stdout goes to stderr: the test runner's stdout is what CI parses.
  const result = spawnSync(command, args, { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status ?? result.signal}`);
}

/**
 * Checks that docker-registry, dockerd, docker, skopeo, htpasswd, podman and openssl are on PATH. When
 * something is missing and we run as root on Debian, installs the packages with apt-get;
 * otherwise throws naming what to install. Never skips silently.
 */
export async function ensureTools(): Promise<void> {
  let missing = missingTools();
  if (missing.length === 0) return;
  const canInstall = process.getuid?.() === 0 && existsSync('/etc/debian_version') && onPath('apt-get');
  if (!canInstall) throw new Error(installHint(missing));
  withInstallLock(() => {
    if (missingTools().length === 0) return;
    process.stderr.write(`regsync test harness: installing ${APT_PACKAGES.join(' ')} (missing: ${missing.join(', ')})\n`);
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', '--no-install-recommends', ...APT_PACKAGES]);
  });
  missing = missingTools();
  if (missing.length > 0) throw new Error(installHint(missing));
  return Promise.resolve();
}
