/** The Quickstart plans a real mirror with no server: committed OCI layouts in, a reviewed plan out. */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../harness/temp.js';
import { writeQuickstartImages } from '../harness/quickstart-images.js';
import { run } from '../cli/run.js';
import { copyQuickstart } from '../helpers/quickstart-copy.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const quickstart = join(repoRoot, 'examples', 'quickstart');

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('examples/quickstart', () => {
  it('ships exactly the images its generator writes (scripts/make-quickstart-images.ts)', async () => {
    const fresh = await makeTempDir('regsync-quickstart-');
    await writeQuickstartImages(fresh);
    const committed = join(quickstart, 'images');
    const files = await listFiles(fresh);
    assert.deepEqual(await listFiles(committed), files);
    for (const file of files) {
      assert.ok((await readFile(join(committed, file))).equals(await readFile(join(fresh, file))), `${file} differs`);
    }
  });

  it('plans creates for the selected releases and explains every tag left out', async () => {
    const cacheDir = await makeTempDir('regsync-quickstart-cache-');
    const result = await run(['plan', '-c', 'regsync.yaml', '--json'], {
      cwd: await copyQuickstart(),
      env: { REGSYNC_CACHE_DIR: cacheDir },
    });
    assert.equal(result.code, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as {
      changes: Array<{
        action: string;
        target: { ref: string };
        source: { ref: string; created: string | null; platforms: string[] } | null;
      }>;
      skipped: Array<{ ref: string; filter: string }>;
      summary: Record<string, number>;
    };
    assert.deepEqual(
      plan.changes.map((change) => `${change.action} ${change.target.ref} <- ${change.source?.ref ?? ''}`),
      [
        'create ocidir://./mirrored/mirror/api:v1.1.0 <- ocidir://./images/team/api:v1.1.0',
        'create ocidir://./mirrored/mirror/api:v1.2.0 <- ocidir://./images/team/api:v1.2.0',
        'create ocidir://./mirrored/mirror/web:v3.4.1 <- ocidir://./images/team/web:v3.4.1',
        'create ocidir://./mirrored/mirror/web:v3.5.0 <- ocidir://./images/team/web:v3.5.0',
      ],
    );
    assert.deepEqual(
      plan.skipped.map((skip) => `${skip.filter} ${skip.ref}`),
      [
        'semver ocidir://./images/team/api:latest',
        'semver ocidir://./images/team/api:v1.0.0',
        'exclude ocidir://./images/team/api:v2.0.0-rc.1',
        'exclude ocidir://./images/team/web-tmp',
      ],
    );
    // What apply would write is described for the reviewer even without age filters.
    assert.deepEqual(
      plan.changes.map((change) => [change.source?.created, change.source?.platforms.join(',')]),
      [
        ['2026-08-12T09:00:00Z', 'linux/amd64'],
        ['2026-10-20T09:00:00Z', 'linux/amd64'],
        ['2026-09-30T09:00:00Z', 'linux/amd64,linux/arm64'],
        ['2026-11-15T09:00:00Z', 'linux/amd64'],
      ],
    );
    assert.deepEqual(plan.summary, { create: 4, update: 0, delete: 0, noop: 0, skipped: 4 });
  });

  it('applies from a copy of the folder, as the README shows, and a second plan says No changes.', async () => {
    const folder = await copyQuickstart();
    const env = { REGSYNC_CACHE_DIR: '' };
    const applied = await run(['apply', '--yes', '-c', 'regsync.yaml'], { cwd: folder, env });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout.trimEnd().split('\n').at(-1)!, /^Apply complete: 4 created, 0 updated, 0 deleted, 0 failed\.$/);
    const files = await listFiles(join(folder, 'mirrored'));
    assert.ok(files.includes('mirror/api/index.json') && files.includes('mirror/web/index.json'), files.join('\n'));
    const replanned = await run(['plan', '-c', 'regsync.yaml'], { cwd: folder, env });
    assert.equal(replanned.code, 0, replanned.stderr);
    assert.match(replanned.stdout, /No changes\./);
    assert.doesNotMatch(replanned.stdout, /\+ create/);
  });

  it('apply -q prints the Plan: line and the summary, nothing else; with --json only the result on stdout', async () => {
    const env = { REGSYNC_CACHE_DIR: await makeTempDir('regsync-quickstart-quiet-cache-') };
    const quiet = await copyQuickstart();
    const applied = await run(['apply', '-q', '--yes', '-c', 'regsync.yaml'], { cwd: quiet, env });
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(
      applied.stdout,
      'Plan: 4 to create, 0 to update, 0 to delete, 0 unchanged.\nApply complete: 4 created, 0 updated, 0 deleted, 0 failed.\n',
    );
    assert.equal(applied.stderr, '');

    const quietJson = await copyQuickstart();
    const json = await run(['apply', '-q', '--json', '--yes', '-c', 'regsync.yaml'], { cwd: quietJson, env });
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as { changes: { status: string }[] };
    assert.deepEqual(
      result.changes.map((change) => change.status),
      ['done', 'done', 'done', 'done'],
    );
  });
});
