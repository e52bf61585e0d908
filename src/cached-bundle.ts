import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';
import type * as BundleEntry from './bundle-entry.js';
import { resolveCacheDir } from './util/cache-dir.js';

/**
 * The program from its one CommonJS bundle, compiled from V8's code cache (issue 17). Node 20 keeps no compile cache
 * for ES modules, so a no-op plan compiled about 1 MB of JavaScript at every start (its first request left ~40 ms
 * later). `npm run build` writes the bundle, `bundle.json` naming it, and a code cache made by a first run; a start
 * whose V8 or flags differ (another Node, NODE_OPTIONS) compiles from source and keeps its own cache in
 * <cache dir>/code, which later starts read first. The cache is only an optimisation: any failure to read or write
 * it is ignored. The file names carry the bundle's hash and the V8 version, and each cache its checksums (below).
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

/**
 * A cache file is V8's data and a trailer: the CRC-32 of the bundle it was made from and of the data. V8 checks
 * neither the data (a damaged one can abort the process) nor more of the source than its length, so both are
 * checked here before V8 sees the data.
 */
const TRAILER = 8;

/**
 * The bundle's cache for this V8, in this file format (f2: with the trailer above). scripts/build-code-cache.mjs and
 * scripts/build.mjs name it the same way.
 */
function cacheFileName(bundle: string): string {
  return `${bundle}.v8-${process.versions.v8}.f2.cache`;
}

function sealed(data: Buffer, sourceCrc: number): Buffer {
  const trailer = Buffer.alloc(TRAILER);
  trailer.writeUInt32BE(sourceCrc, 0);
  trailer.writeUInt32BE(crc32(data), 4);
  return Buffer.concat([data, trailer]);
}

/** The cache's data when the file is whole and made from this source; otherwise undefined. */
function unsealed(file: string, sourceCrc: number): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length <= TRAILER) return undefined;
  const data = bytes.subarray(0, bytes.length - TRAILER);
  const ok = bytes.readUInt32BE(data.length) === sourceCrc && bytes.readUInt32BE(data.length + 4) === crc32(data);
  return ok ? data : undefined;
}

/** Written whole or not at all: another start may read it at the same moment, another process write it too. */
function writeAtomically(file: string, data: Buffer): void {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, data, { flag: 'wx' });
    renameSync(temporary, file);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing to clean up where nothing could be written.
    }
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
  const bytes = readFileSync(file);
  const sourceCrc = crc32(bytes);
  // ASCII (scripts/build.mjs): latin1 reads it as it is, without decoding UTF-8.
  const source = bytes.toString('latin1');
  const cacheName = cacheFileName(manifest.file);
  const userDir = resolveCacheDir(env);
  const candidates = [...(userDir === null ? [] : [join(userDir, 'code', cacheName)]), join(dir, cacheName)];
  // The first sound cache there is, and only that one: a refused cache still leaves a compiled script, and compiling
  // the same source again would hit V8's in-memory cache, which would then pass for the code cache.
  const cachedData = candidates.map((candidate) => unsealed(candidate, sourceCrc)).find((data) => data !== undefined);
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
      // Never a throw from here: it would also keep the other exit listeners (temporary files) from running.
      try {
        beforeCacheWrite();
        writeAtomically(join(userDir, 'code', cacheName), sealed(script.createCachedData(), sourceCrc));
      } catch {
        // Only an optimisation: the next start compiles from source again.
      }
    });
  }
  if (env.REGSYNC_DEBUG_CODE_CACHE === '1') process.stderr.write(`regsync: code cache ${fromCache ? 'used' : 'not used'}\n`);
  return { program: module.exports, fromCache };
}

/** The bundle is a function expression already (scripts/build.mjs), as Node wraps a CommonJS module. */
function compile(source: string, filename: string, cachedData: Buffer | undefined): Script {
  return new Script(source, { filename, ...(cachedData === undefined ? {} : { cachedData }) });
}
