// Last step of `npm run build`: one run of the built CLI (the quickstart plan, which reads OCI layouts only) so V8
// writes the code cache of the CommonJS bundle with the functions a plan compiles, then kept beside the bundle in
// dist/ (src/cached-bundle.ts reads it there when no cache of its own was made for this Node). A build that cannot
// make it still works: starts then compile from source and keep their own.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import console from 'node:console';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** @type {{ file: string }} */
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- typed by the JSDoc above
const { file } = JSON.parse(readFileSync(join(root, 'dist/bundle.json'), 'utf8'));
/** @param {string} name */
const made = (name) => name.startsWith(`${file}.v8-`) && name.endsWith('.f2.cache');
// Named by the bundle's content and the V8 version: one an earlier build of the same bundle left is this one. Kept,
// not made again, as tests build while others run dist/cli.js and read it.
// As src/cached-bundle.ts names it (cacheFileName): the bundle, the V8 version, the file format.
const ours = `${file}.v8-${process.versions.v8}.f2.cache`;
if (existsSync(join(root, 'dist', ours))) process.exit(0);
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
  for (const name of written) {
    // Copied whole, then renamed: a start reading it meanwhile finds no file rather than half of one.
    const temporary = join(root, 'dist', `.${name}.${process.pid}.tmp`);
    copyFileSync(join(cacheDir, 'code', name), temporary);
    renameSync(temporary, join(root, 'dist', name));
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
