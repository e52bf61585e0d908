// Last step of `npm run build`: one run of the built CLI (the quickstart plan, which reads OCI layouts only) so V8
// writes the code cache of the CommonJS bundle with the functions a plan compiles, then kept beside the bundle in
// dist/ (src/cached-bundle.ts reads it there when no cache of its own was made for this Node). A build that cannot
// make it still works: starts then compile from source and keep their own.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import console from 'node:console';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** @type {{ file: string }} */
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- typed by the JSDoc above
const { file } = JSON.parse(readFileSync(join(root, 'dist/bundle.json'), 'utf8'));
// The run must compile from source, not read the cache an earlier build of the same bundle left.
/** @param {string} name */
const made = (name) => name.startsWith(`${file}.v8-`);
for (const name of readdirSync(join(root, 'dist')).filter(made)) rmSync(join(root, 'dist', name), { force: true });
const cacheDir = mkdtempSync(join(tmpdir(), 'regsync-code-cache-'));
try {
  try {
    execFileSync(process.execPath, [join(root, 'dist/cli.js'), 'plan', '-c', join(root, 'examples/quickstart/regsync.yaml')], {
      cwd: root,
      env: { ...process.env, REGSYNC_CACHE_DIR: cacheDir, NODE_OPTIONS: '' },
      stdio: 'ignore',
    });
  } catch (error) {
    console.warn(`build-code-cache: the quickstart plan failed (${error instanceof Error ? error.message : String(error)})`);
  }
  const written = existsSync(join(cacheDir, 'code')) ? readdirSync(join(cacheDir, 'code')).filter(made) : [];
  if (written.length === 0) console.warn('build-code-cache: the run wrote no code cache; starts will compile from source');
  for (const name of written) copyFileSync(join(cacheDir, 'code', name), join(root, 'dist', name));
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
