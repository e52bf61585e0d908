import { createdMs } from '../util/created.js';
import { platformMatches } from '../util/platforms.js';
import type { PlatformFacts } from '../plan/types.js';
import { platformString } from '../registry/manifest.js';
import type { Registry } from '../registry/types.js';
import { isRegsyncError } from '../util/errors.js';
import type { FactsCache, ManifestFacts } from './facts-cache.js';

/** Which children of an index to read; null reads every platform. */
export type PlatformWanted = ((platform: string) => boolean) | null;

/** "linux/arm64" wants "linux/arm64" and "linux/arm64/v8"; an exact "os/arch/variant" only itself. */
export function platformMatcher(platforms: readonly string[] | null): PlatformWanted {
  if (platforms === null) return null;
  return (platform) => platforms.some((wanted) => platformMatches(platform, wanted));
}

/** Attestations and other non-image children of buildx indexes carry this platform; they have no image config. */
const UNKNOWN_PLATFORM = 'unknown/unknown';

function configFacts(bytes: Buffer): { platform: string; created: string | null } {
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { platform: UNKNOWN_PLATFORM, created: null };
  }
  if (typeof document !== 'object' || document === null) return { platform: UNKNOWN_PLATFORM, created: null };
  const { created, os, architecture, variant } = document as Record<string, unknown>;
  const platform =
    typeof os === 'string' && typeof architecture === 'string'
      ? platformString({ os, architecture, ...(typeof variant === 'string' && variant !== '' ? { variant } : {}) })
      : UNKNOWN_PLATFORM;
  // A date that is not RFC 3339 is as good as no date: the planner drops the tag as date-unknown.
  return { platform, created: typeof created === 'string' && createdMs(created) !== null ? created : null };
}

/**
 * Reads of one digest in flight, shared: two mirrors (or two tags) reaching the same image at once
 * must not read it twice. Per cache (one plan run), keyed by digest alone: the facts are
 * content-addressed, so a read from either registry answers both (and any failure ends the plan).
 */
const inFlightByCache = new WeakMap<FactsCache, Map<string, Promise<ManifestFacts>>>();

function manifestFacts(registry: Registry, repository: string, digest: string, cache: FactsCache): Promise<ManifestFacts> {
  const cached = cache.get(digest);
  if (cached) return Promise.resolve(cached);
  let inFlight = inFlightByCache.get(cache);
  if (inFlight === undefined) {
    inFlight = new Map();
    inFlightByCache.set(cache, inFlight);
  }
  const shared = inFlight;
  let pending = shared.get(digest);
  if (pending === undefined) {
    pending = readManifestFacts(registry, repository, digest, cache).finally(() => shared.delete(digest));
    shared.set(digest, pending);
  }
  return pending;
}

/**
 * Facts of one manifest digest: from the cache, else one manifest GET (plus one config blob GET
 * for an image). A config blob the registry no longer has gives `created: null` and is not
 * cached, so a repaired registry is read again next time.
 */
async function readManifestFacts(registry: Registry, repository: string, digest: string, cache: FactsCache): Promise<ManifestFacts> {
  const { manifest } = await registry.getManifest(repository, digest);
  if (manifest.kind === 'index') {
    const facts: ManifestFacts = {
      kind: 'index',
      children: manifest.manifests.map((entry) => ({
        platform: entry.platform ? platformString(entry.platform) : UNKNOWN_PLATFORM,
        digest: entry.digest,
      })),
    };
    cache.set(digest, facts);
    return facts;
  }
  let bytes: Buffer;
  try {
    bytes = await registry.getBlobBytes(repository, manifest.config.digest);
  } catch (error) {
    if (isRegsyncError(error) && error.code === 'NOT_FOUND') {
      return { kind: 'image', platform: UNKNOWN_PLATFORM, configDigest: manifest.config.digest, created: null };
    }
    throw error;
  }
  const facts: ManifestFacts = { kind: 'image', configDigest: manifest.config.digest, ...configFacts(bytes) };
  cache.set(digest, facts);
  return facts;
}

/**
 * The PlatformFacts of a tag's manifest: one entry for an image, one per wanted platform for an
 * index (the platform named by the index wins over the child's config, as registries resolve it).
 */
export async function readPlatformFacts(
  registry: Registry,
  repository: string,
  digest: string,
  wanted: PlatformWanted,
  cache: FactsCache,
): Promise<PlatformFacts[]> {
  const top = await manifestFacts(registry, repository, digest, cache);
  if (top.kind === 'image') {
    return [{ platform: top.platform, manifestDigest: digest, configDigest: top.configDigest, created: top.created }];
  }
  const children = top.children.filter((child) => child.platform !== UNKNOWN_PLATFORM && (wanted === null || wanted(child.platform)));
  const facts = await Promise.all(
    children.map(async (child): Promise<PlatformFacts | null> => {
      const image = await manifestFacts(registry, repository, child.digest, cache);
      // An index nested in an index is not an image we can date or pull: leave it out.
      if (image.kind !== 'image') return null;
      return { platform: child.platform, manifestDigest: child.digest, configDigest: image.configDigest, created: image.created };
    }),
  );
  return facts.filter((fact): fact is PlatformFacts => fact !== null);
}
