import { createdMs } from '../util/created.js';
import { MEDIA_TYPES, platformMatches, platformString, UNKNOWN_PLATFORM } from '../oci/index.js';
import type { ImageManifest, PlatformChild } from '../oci/index.js';
import type { PlatformFacts, TagFacts } from '../plan/types.js';
import { platformChild } from '../registry/index.js';
import type { FetchedManifest, RegistryReader } from '../registry/index.js';
import { isRegsyncError } from '../util/errors.js';
import type { FactsCache, ManifestFacts } from './facts-cache.js';
import type { KeyedInflight } from '../util/keyed-inflight.js';

/**
 * Which children of an index to read, by the platform their descriptor declares (null: none). A child declaring
 * no platform is read whenever any child is, since only its config says what it is.
 */
export type PlatformWanted = (platform: string | null) => boolean;

/** "linux/arm64" wants "linux/arm64" and "linux/arm64/v8"; an exact "os/arch/variant" only itself; null: every child. */
export function platformMatcher(platforms: readonly string[] | null): PlatformWanted {
  if (platforms === null) return (platform) => platform !== UNKNOWN_PLATFORM;
  return (platform) => platform === null || platforms.some((wanted) => platformMatches(platform, wanted));
}

/** Reads no child: the index's own list of children is all a registry-executor destination is compared by. */
export const NO_CHILDREN: PlatformWanted = () => false;

const IMAGE_CONFIG_TYPES: readonly string[] = [MEDIA_TYPES.ociConfig, MEDIA_TYPES.dockerConfig];
const EMPTY_CONFIG = 'application/vnd.oci.empty.v1+json';

/** OCI 1.1: `artifactType`, else the config's media type when it is not an image config (nor the empty one). */
function artifactTypeOf(manifest: ImageManifest): string | null {
  if (manifest.artifactType !== undefined) return manifest.artifactType;
  const type = manifest.config?.mediaType ?? '';
  return type === '' || type === EMPTY_CONFIG || IMAGE_CONFIG_TYPES.includes(type) ? null : type;
}

function configFacts(bytes: Buffer): { platform: string | null; created: string | null } {
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { platform: null, created: null };
  }
  if (typeof document !== 'object' || document === null) return { platform: null, created: null };
  const { created, os, architecture, variant } = document as Record<string, unknown>;
  const platform =
    typeof os === 'string' && os !== '' && typeof architecture === 'string' && architecture !== ''
      ? platformString({ os, architecture, ...(typeof variant === 'string' && variant !== '' ? { variant } : {}) })
      : null;
  // A date that is not RFC 3339 is as good as no date: the planner drops the tag as date-unknown.
  return { platform, created: typeof created === 'string' && createdMs(created) !== null ? created : null };
}

/**
 * Where manifest facts come from: the cache, and the reads of one digest in flight, shared: two mirrors (or two
 * tags) reaching the same image at once must not read it twice. Both are the run's (src/run/context.ts), keyed by
 * digest alone: the facts are content-addressed, so a read from either registry answers both (and any failure ends
 * the plan).
 */
export interface FactsSource {
  /** Still opening while the first requests go out (run/plan.ts): only a tag that needs facts waits for it. */
  cache: Promise<FactsCache>;
  inFlight: KeyedInflight<ManifestFacts>;
  /** The gather's signal: aborted when the plan has failed, so a manifest or config read in flight stops too. */
  signal?: AbortSignal;
}

function manifestFacts(
  registry: RegistryReader,
  repository: string,
  digest: string,
  facts: FactsSource,
  fetched: FetchedManifest | null = null,
): Promise<ManifestFacts> {
  return facts.cache.then((cache) => {
    const cached = cache.get(digest);
    if (cached) return cached;
    return facts.inFlight.run(digest, () => readManifestFacts(registry, repository, digest, cache, facts.signal, fetched)).promise;
  });
}

/**
 * Facts of one manifest digest: from the cache, else one manifest GET (plus one config blob GET for an image
 * config; an artifact's config says nothing of a platform). A config blob the registry no longer has gives
 * `created: null` and is not cached, so a repaired registry is read again next time. `fetched`: the manifest
 * already read (a GET by tag), not asked for again.
 */
async function readManifestFacts(
  registry: RegistryReader,
  repository: string,
  digest: string,
  cache: FactsCache,
  signal: AbortSignal | undefined,
  fetched: FetchedManifest | null,
): Promise<ManifestFacts> {
  const options = signal === undefined ? {} : { signal };
  const { manifest } = fetched ?? (await registry.getManifest(repository, digest, options));
  if (manifest.kind === 'index') {
    const facts: ManifestFacts = {
      kind: 'index',
      artifactType: manifest.artifactType ?? null,
      children: manifest.manifests.map(platformChild),
    };
    cache.set(digest, facts);
    return facts;
  }
  const { config } = manifest;
  const image = { kind: 'image' as const, configDigest: config?.digest ?? null, artifactType: artifactTypeOf(manifest) };
  if (config === null || !IMAGE_CONFIG_TYPES.includes(config.mediaType)) {
    const facts: ManifestFacts = { ...image, platform: null, created: null };
    cache.set(digest, facts);
    return facts;
  }
  let bytes: Buffer;
  try {
    bytes = await registry.getBlobBytes(repository, config.digest, options);
  } catch (error) {
    if (isRegsyncError(error) && error.code === 'NOT_FOUND') return { ...image, platform: null, created: null };
    throw error;
  }
  const facts: ManifestFacts = { ...image, ...configFacts(bytes) };
  cache.set(digest, facts);
  return facts;
}

/** A child that cannot be read as a manifest (invalid, unsupported, missing): the plan warns, it is not fatal. */
function isUnusable(error: unknown): error is Error {
  return isRegsyncError(error) && (error.code === 'MANIFEST_INVALID' || error.code === 'UNSUPPORTED' || error.code === 'NOT_FOUND');
}

/** What a tag's content facts add to its TagFacts. */
export type ContentFacts = Required<Pick<TagFacts, 'platforms' | 'artifactType' | 'unusable'>> &
  Pick<TagFacts, 'children' | 'configDigest'>;

/** One child of an index: its PlatformFacts when it is an image of a real platform, else null. */
async function childFacts(
  read: (digest: string) => Promise<ManifestFacts>,
  child: PlatformChild,
  unusable: string[],
): Promise<PlatformFacts | null> {
  let facts: ManifestFacts;
  try {
    facts = await read(child.digest);
  } catch (error) {
    if (!isUnusable(error)) throw error;
    unusable.push(error.message);
    return null;
  }
  // An index nested in an index is not an image we can date or pull; an artifact child has no platform, and a
  // manifest without a config is no image of any platform, whatever its descriptor says.
  if (facts.kind !== 'image' || facts.configDigest === null) return null;
  // The platform the index declares wins over the child's config, as registries and containerd resolve it.
  const platform = child.platform ?? facts.platform;
  if (platform === null || platform === UNKNOWN_PLATFORM) return null;
  return { platform, manifestDigest: child.digest, configDigest: facts.configDigest, created: facts.created };
}

/**
 * The content facts of a tag's manifest: for an image its own platform (none for an artifact); for an index its
 * children as listed, and the PlatformFacts of the wanted children that are images of a real platform.
 */
export async function readContentFacts(
  registry: RegistryReader,
  repository: string,
  digest: string,
  wanted: PlatformWanted,
  facts: FactsSource,
  fetched: FetchedManifest | null = null,
): Promise<ContentFacts> {
  const top = await manifestFacts(registry, repository, digest, facts, fetched);
  if (top.kind === 'image') {
    const { platform, configDigest } = top;
    const platforms =
      platform === null || configDigest === null ? [] : [{ platform, manifestDigest: digest, configDigest, created: top.created }];
    return { platforms, artifactType: top.artifactType, configDigest: top.configDigest, unusable: [] };
  }
  const unusable: string[] = [];
  const read = (child: string): Promise<ManifestFacts> => manifestFacts(registry, repository, child, facts);
  const children = top.children.filter((child) => wanted(child.platform));
  const childPlatforms = await Promise.all(children.map((child) => childFacts(read, child, unusable)));
  const platforms = childPlatforms.filter((fact): fact is PlatformFacts => fact !== null);
  return { platforms, children: top.children, artifactType: top.artifactType, unusable };
}
