import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from './exit.js';

const tempDirs = new Set<string>();

onProcessExit(() => {
  for (const dir of tempDirs) removeQuietly(dir);
  tempDirs.clear();
});

/** dockerd (overlay2) bind-mounts inside its data root; a killed dockerd leaves the mount behind. */
function unmountUnder(dir: string): void {
  let mountinfo: string;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return;
  }
  const decode = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  const mounts = mountinfo
    .split('\n')
    .map((line) => decode(line.split(' ')[4] ?? ''))
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
}

function removeQuietly(dir: string): void {
  unmountUnder(dir);
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    // A daemon may still be writing into it while the process dies; leaving a temp dir is harmless.
  }
}

/** A fresh directory under os.tmpdir(), removed when the process exits (or earlier with removeTempDir). */
export async function makeTempDir(prefix: string): Promise<string> {
  // Short names: dockerd's unix socket path must stay under 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), `rs-${prefix.replace(/[^a-zA-Z0-9_-]/g, '')}-`));
  tempDirs.add(dir);
  return Promise.resolve(dir);
}

/** Removes a directory made by makeTempDir now, instead of at exit. */
export async function removeTempDir(dir: string): Promise<void> {
  tempDirs.delete(dir);
  removeQuietly(dir);
  return Promise.resolve();
}
