/**
 * One regsync copy, in its own process so its peak RSS is only the copy's:
 *   node .tmp/bench-dist/bench/copy-large-blob-worker.js SOURCE SOURCE_REPO TAG TARGET_HOST TARGET_REPO
 * (built by copy-large-blob.ts with bench/tsconfig.worker.json; `node --import tsx` on the .ts also works).
 * SOURCE is a registry host (`127.0.0.1:5000`) or `ocidir://DIR`. Prints one JSON line: the copy result,
 * wall time and this process's own maxRSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyImage } from '../src/registry/copy.js';
import { createRegistryPool } from '../src/registry/pool.js';

const [source, sourceRepository, tag, targetHost, targetRepository] = process.argv.slice(2);
if (!source || !sourceRepository || !tag || !targetHost || !targetRepository) {
  console.error('usage: copy-large-blob-worker SOURCE_HOST|ocidir://DIR SOURCE_REPO TAG TARGET_HOST TARGET_REPO');
  process.exit(2);
}
// An empty Docker config: the benchmark never reads the machine's credentials.
const dockerConfigDir = mkdtempSync(join(tmpdir(), 'rs-bench-cfg-'));
const pool = createRegistryPool({ hosts: {}, dockerConfigDir });
const from = source.startsWith('ocidir://') ? pool.get('ocidir', source.slice('ocidir://'.length)) : pool.get('registry', source);
try {
  const rssBeforeCopyKiB = Math.round(process.memoryUsage().rss / 1024);
  const started = performance.now();
  const result = await copyImage({
    source: from,
    sourceRepository,
    sourceReference: tag,
    target: pool.get('registry', targetHost),
    targetRepository,
    targetTag: tag,
  });
  const wallMs = performance.now() - started;
  console.log(JSON.stringify({ ...result, wallMs: Math.round(wallMs), rssBeforeCopyKiB, maxRssKiB: process.resourceUsage().maxRSS }));
} finally {
  await pool.close();
  rmSync(dockerConfigDir, { recursive: true, force: true });
}
