import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createdMs } from '../util/created.js';
import { isDigest } from '../oci/index.js';
import type { PlatformChild } from '../oci/index.js';

/**
 * What one manifest digest tells once read. Manifests are content-addressed, so these facts can
 * never change for a digest: they are cached in memory and on disk without expiry.
 * An image stores what its config blob says (platform null for an artifact or a config naming none); an index
 * stores its children as it lists them, each looked up again by its own digest.
 */
export type ManifestFacts =
  | { kind: 'image'; platform: string | null; configDigest: string | null; created: string | null; artifactType: string | null }
  | { kind: 'index'; artifactType: string | null; children: PlatformChild[] };

/** Counts for tests and --verbose: how often the cache answered. */
export interface FactsCacheStats {
  hits: number;
  misses: number;
  /** Entries loaded from disk when the cache opened. */
  loaded: number;
}

export interface FactsCache {
  get(digest: string): ManifestFacts | undefined;
  set(digest: string, facts: ManifestFacts): void;
  /** Writes new entries to disk (atomically, merged with what another run wrote meanwhile). No-op for a memory cache. */
  flush(): Promise<void>;
  stats(): FactsCacheStats;
}

// Version 2: artifacts have no platform (not unknown/unknown), artifact types, children as listed (attestations too).
const FILE_NAME = 'facts-v2.json';
const FORMAT_VERSION = 2;
/** Keeps the file small: beyond this, the oldest entries are dropped (they are only re-read, never wrong). */
const MAX_ENTRIES = 50_000;

function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

/** Validates one entry read from disk: a damaged entry is dropped, never trusted. */
function parseEntry(value: unknown): ManifestFacts | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entry = value as Record<string, unknown>;
  const { artifactType } = entry;
  if (!isStringOrNull(artifactType)) return undefined;
  if (entry.kind === 'image') {
    const { platform, configDigest, created } = entry;
    if (
      !isStringOrNull(platform) ||
      !(configDigest === null || (typeof configDigest === 'string' && isDigest(configDigest))) ||
      !isStringOrNull(created)
    )
      return undefined;
    // Read as a fresh config read would be: a date that is not RFC 3339 is no date.
    return { kind: 'image', platform, configDigest, created: createdMs(created) === null ? null : created, artifactType };
  }
  if (entry.kind === 'index' && Array.isArray(entry.children)) {
    const children: PlatformChild[] = [];
    for (const child of entry.children as unknown[]) {
      if (typeof child !== 'object' || child === null) return undefined;
      const { platform, digest, describes } = child as Record<string, unknown>;
      if (!isStringOrNull(platform) || typeof digest !== 'string' || !isDigest(digest) || !isStringOrNull(describes)) return undefined;
      children.push({ digest, platform, describes });
    }
    return { kind: 'index', artifactType, children };
  }
  return undefined;
}

/** Reads the cache file; a missing, unreadable or corrupt file is an empty cache (it is only an optimisation). */
async function readEntries(file: string): Promise<Map<string, ManifestFacts>> {
  const entries = new Map<string, ManifestFacts>();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return entries;
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return entries;
  }
  if (typeof document !== 'object' || document === null) return entries;
  const { version, entries: raw } = document as Record<string, unknown>;
  if (version !== FORMAT_VERSION || typeof raw !== 'object' || raw === null) return entries;
  for (const [digest, value] of Object.entries(raw)) {
    const facts = isDigest(digest) ? parseEntry(value) : undefined;
    if (facts) entries.set(digest, facts);
  }
  return entries;
}

/** Write to a temporary file in the same directory, then rename: readers never see half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, text, { mode: 0o600 });
  await rename(temporary, file);
}

export interface FactsCacheOptions {
  /** Directory of the on-disk cache; null keeps facts in memory only. */
  dir: string | null;
  /** Told when the disk cache cannot be written (the plan still works, only slower next time). */
  warn?: (message: string) => void;
}

/** Opens the cache: loads the disk file once; later reads are memory lookups. */
export async function openFactsCache(options: FactsCacheOptions): Promise<FactsCache> {
  const file = options.dir === null ? null : join(options.dir, FILE_NAME);
  const memory = file === null ? new Map<string, ManifestFacts>() : await readEntries(file);
  const loaded = memory.size;
  const added = new Map<string, ManifestFacts>();
  let hits = 0;
  let misses = 0;

  return {
    get(digest) {
      const facts = memory.get(digest);
      if (facts) hits += 1;
      else misses += 1;
      return facts;
    },
    set(digest, facts) {
      if (!memory.has(digest)) added.set(digest, facts);
      memory.set(digest, facts);
    },
    async flush() {
      if (file === null || options.dir === null || added.size === 0) return;
      try {
        await mkdir(options.dir, { recursive: true, mode: 0o700 });
        // Another run may have written meanwhile: merge its entries rather than overwrite them.
        const merged = await readEntries(file);
        for (const [digest, facts] of added) {
          merged.delete(digest);
          merged.set(digest, facts);
        }
        const kept = [...merged].slice(Math.max(0, merged.size - MAX_ENTRIES));
        await writeAtomically(file, `${JSON.stringify({ version: FORMAT_VERSION, entries: Object.fromEntries(kept) })}\n`);
        added.clear();
      } catch (error) {
        options.warn?.(`could not write the facts cache in ${options.dir}: ${(error as Error).message}`);
      }
    },
    stats: () => ({ hits, misses, loaded }),
  };
}
