import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type * as BundleEntry from './bundle-entry.js';
import { resolveCacheDir } from './util/cache-dir.js';

/**
 * The program from its one CommonJS bundle, compiled from V8's code cache (issue 17). Node 20 keeps no compile cache
 * for ES modules, so a no-op plan compiled about 1 MB of JavaScript at every start (its first request left ~40 ms
 * later). `npm run build` writes the bundle, `bundle.json` naming it, and a code cache made by a first run; a start
 * whose V8 or flags differ (another Node, NODE_OPTIONS) compiles from source and keeps its own cache in
 * <cache dir>/code, which later starts read first. The cache is only an optimisation: any failure to read or write
 * it is ignored. V8 rejects a cache made for another source; the file names carry the bundle's hash as well.
 */

export type Program = typeof BundleEntry;

export interface CachedBundle {
  program: Program;
  /** Whether V8 took a code cache (tests; `REGSYNC_DEBUG_CODE_CACHE`). */
  fromCache: boolean;
}

interface BundleManifest {
  /** `regsync-HASH.cjs`, beside this file. */
  file: string;
}

function readManifest(dir: string): BundleManifest | null {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as Partial<BundleManifest>;
    return typeof manifest.file === 'string' && /^regsync-[0-9a-f]+\.cjs$/.test(manifest.file) ? { file: manifest.file } : null;
  } catch {
    return null;
  }
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written whole or not at all (another start may read it at the same moment). */
function writeAtomically(file: string, data: Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, data);
    renameSync(temporary, file);
  } catch {
    rmSync(temporary, { force: true });
  }
}

/**
 * The bundle beside this module (dist/), or null when there is none (running from src/ through tsx) or it cannot
 * be read. `beforeCacheWrite` runs just before a new cache is made at exit (heap-tuning's flags put back).
 */
export function loadCachedBundle(dir: string, env: NodeJS.ProcessEnv, beforeCacheWrite: () => void = () => undefined): CachedBundle | null {
  const manifest = readManifest(dir);
  if (manifest === null) return null;
  const file = join(dir, manifest.file);
  if (!existsSync(file)) return null;
  const source = readFileSync(file, 'utf8');
  const cacheName = `${manifest.file}.v8-${process.versions.v8}.cache`;
  const userDir = resolveCacheDir(env);
  const candidates = [...(userDir === null ? [] : [join(userDir, 'code', cacheName)]), join(dir, cacheName)];
  // The first cache there is, and only that one: a refused cache still leaves a compiled script, and compiling the
  // same source again would hit V8's in-memory cache, which would then pass for the code cache.
  const cachedData = candidates.map(readIfPresent).find((data) => data !== undefined);
  const script = compile(source, file, cachedData);
  const fromCache = cachedData !== undefined && script.cachedDataRejected !== true;
  const module = { exports: {} as Program };
  const run = script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: object,
    filename: string,
    dirname: string,
  ) => void;
  run(module.exports, createRequire(file), module, file, dir);
  if (!fromCache && userDir !== null) {
    // At exit: the cache then holds the functions this run compiled too, not only the top level. It replaces a
    // refused one (damaged, or made with other V8 flags).
    process.once('exit', () => {
      beforeCacheWrite();
      writeAtomically(join(userDir, 'code', cacheName), script.createCachedData());
    });
  }
  if (env.REGSYNC_DEBUG_CODE_CACHE === '1') process.stderr.write(`regsync: code cache ${fromCache ? 'used' : 'not used'}\n`);
  return { program: module.exports, fromCache };
}

/** The bundle is a function expression already (scripts/build.mjs), as Node wraps a CommonJS module. */
function compile(source: string, filename: string, cachedData: Buffer | undefined): Script {
  return new Script(source, { filename, ...(cachedData === undefined ? {} : { cachedData }) });
}
