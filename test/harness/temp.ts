import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from './exit.js';

const tempDirs = new Set<string>();

onProcessExit(() => {
  for (const dir of tempDirs) removeQuietly(dir);
  tempDirs.clear();
});

function removeQuietly(dir: string): void {
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
