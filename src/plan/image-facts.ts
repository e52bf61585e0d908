import type { MirrorConfig } from '../config/types.js';
import { createdMs } from '../util/created.js';
import { selectPlatformChildren, UNKNOWN_PLATFORM } from '../oci/index.js';
import { dockerPlatform } from './filters.js';
import { pulledPlatform } from './platforms.js';
import type { PlatformFacts, TagFacts } from './types.js';

/** What the executor will copy from one source tag, derived from its facts. */
export interface CopiedContent {
  /** Platforms that will reach the destination (real platforms only); empty without facts or for an artifact. */
  platforms: PlatformFacts[];
  /** Newest `created` among the copied platforms; null when none could be read or facts are absent. */
  created: string | null;
  /** Config digest of a single-platform copy (docker pull, or a plain manifest); null for an index. */
  configDigest: string | null;
  /** Change.copy.platforms: null copies the manifest whole; a list is the subset (registry) or the pulled platform. */
  copyPlatforms: string[] | null;
  /** The child digests of a registry subset (a new index), compared with the destination's children; else null. */
  subsetChildren: string[] | null;
}

/** A tag is copied as CopiedContent says, or skipped (filter `platform`) because it cannot serve `platforms`. */
export type ContentDecision = { copy: CopiedContent } | { skip: string };

/**
 * Newest readable `created` of the list, or null when none is readable. Children without a date (attestation
 * manifests of buildx indexes have none) do not make the whole index undated.
 */
function newestCreated(platforms: PlatformFacts[]): string | null {
  let newest: { text: string; ms: number } | null = null;
  for (const { created } of platforms) {
    const ms = createdMs(created);
    if (created === null || ms === null) continue;
    if (newest === null || ms > newest.ms) newest = { text: created, ms };
  }
  return newest?.text ?? null;
}

/** "linux/amd64, linux/arm64", or what the tag is when it has no platform, for skip details. */
function whatItHas(facts: TagFacts): string {
  const platforms = [...new Set((facts.platforms ?? []).map((p) => p.platform))];
  if (platforms.length > 0) return platforms.join(', ');
  const type = facts.artifactType ?? null;
  return type === null ? 'no platforms' : `no platforms (artifact type ${type})`;
}

function whole(facts: TagFacts, platforms: PlatformFacts[]): { copy: CopiedContent } {
  const configDigest = facts.isIndex ? null : (facts.configDigest ?? platforms[0]?.configDigest ?? null);
  return { copy: { platforms, created: newestCreated(platforms), configDigest, copyPlatforms: null, subsetChildren: null } };
}

/** Docker pulls one platform of an image or index; a tag without it cannot be pulled. */
function dockerContent(mirror: MirrorConfig, facts: TagFacts, all: PlatformFacts[]): ContentDecision {
  const wanted = dockerPlatform(mirror);
  const pulled = pulledPlatform(all, wanted);
  if (pulled === undefined) return { skip: `docker pulls ${wanted}; the ${facts.isIndex ? 'index' : 'image'} has ${whatItHas(facts)}` };
  const copy = { platforms: [pulled], created: pulled.created, configDigest: pulled.configDigest };
  return { copy: { ...copy, copyPlatforms: [wanted], subsetChildren: null } };
}

/**
 * Registry executor with `platforms`: a plain manifest of another platform is skipped (one without a platform,
 * an artifact, is copied whole); an index is narrowed by the shared platform rule (selectPlatformChildren), the
 * rule the registry copy applies, so the plan shows exactly what apply writes.
 */
function subsetContent(wanted: string[], facts: TagFacts, all: PlatformFacts[]): ContentDecision {
  if (!facts.isIndex) {
    const own = all[0];
    if (own === undefined || wanted.some((w) => pulledPlatform([own], w) !== undefined)) return whole(facts, all);
    return { skip: `the image is ${own.platform}, not ${wanted.join(', ')}` };
  }
  const children = facts.children ?? [];
  const selection = selectPlatformChildren(children, wanted);
  if (selection.kind === 'whole') return whole(facts, all);
  if (selection.kind === 'none') return { skip: `the index has none of ${wanted.join(', ')} (it has ${selection.available.join(', ')})` };
  if (selection.keep.every(Boolean)) return whole(facts, all);
  const kept = children.filter((_, i) => selection.keep[i]);
  const keptDigests = new Set(kept.map((child) => child.digest));
  const platforms = all.filter((p) => keptDigests.has(p.manifestDigest));
  // The declared platforms of the kept children: the copy applies the same rule to them and keeps the same children.
  const declared = kept.flatMap((child) => (child.platform !== null && child.platform !== UNKNOWN_PLATFORM ? [child.platform] : []));
  const copyPlatforms = [...new Set(declared)];
  const subsetChildren = kept.map((child) => child.digest);
  return { copy: { platforms, created: newestCreated(platforms), configDigest: null, copyPlatforms, subsetChildren } };
}

/**
 * What one source tag becomes. Registry executor: without `platforms`, every tag whole, byte for byte, whatever
 * it holds; with `platforms`, see subsetContent. Docker executor: the one platform docker pulls.
 */
export function copiedContent(mirror: MirrorConfig, facts: TagFacts): ContentDecision {
  const all = facts.platforms;
  if (all === undefined) {
    // Not read (an up-to-date tag, no filter needing facts): only the docker executor still knows what it asks for.
    const copyPlatforms = mirror.executor === 'docker' ? [dockerPlatform(mirror)] : null;
    return { copy: { platforms: [], created: null, configDigest: null, copyPlatforms, subsetChildren: null } };
  }
  if (mirror.executor === 'docker') return dockerContent(mirror, facts, all);
  if (mirror.platforms === null) return whole(facts, all);
  return subsetContent(mirror.platforms, facts, all);
}

/** Config digest the docker executor compares at the destination: the plain image's, or the pulled platform's child. */
export function destinationConfigDigest(mirror: MirrorConfig, facts: TagFacts): string | null {
  const all = facts.platforms;
  if (!facts.isIndex) return facts.configDigest ?? all?.[0]?.configDigest ?? null;
  if (all === undefined || mirror.executor !== 'docker') return null;
  return pulledPlatform(all, dockerPlatform(mirror))?.configDigest ?? null;
}

/** Multiset equality of child manifest digests: a platform subset re-indexed at the destination has a new index digest. */
export function sameChildren(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || a.length !== b.length) return false;
  const left = [...a].sort();
  const right = [...b].sort();
  return left.every((digest, i) => digest === right[i]);
}
