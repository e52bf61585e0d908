import type { MirrorConfig } from '../config/types.js';
import { createdMs } from '../util/created.js';
import { dockerPlatform } from './filters.js';
import { platformMatches } from '../util/platforms.js';
import { pulledPlatform } from './platforms.js';
import type { PlatformFacts, TagFacts } from './types.js';

/** What the executor will copy from one source tag, derived from its facts. */
export interface CopiedContent {
  /** Platforms that will reach the destination; empty when the inventory did not read the manifest. */
  platforms: PlatformFacts[];
  /** Newest `created` among the copied platforms; null when none could be read or facts are absent. */
  created: string | null;
  /** Config digest of a single-platform copy (docker pull, or a plain image); null for an index. */
  configDigest: string | null;
  /** Set when the mirror's platforms cannot be served by this tag (no such child in the index). */
  problem: string | null;
}

/**
 * Newest readable `created` of the list, or null when none is readable. Children without a date (attestation
 * manifests of buildx indexes have none) do not make the whole index undated.
 */
export function newestCreated(platforms: PlatformFacts[]): string | null {
  let newest: { text: string; ms: number } | null = null;
  for (const { created } of platforms) {
    const ms = createdMs(created);
    if (created === null || ms === null) continue;
    if (newest === null || ms > newest.ms) newest = { text: created, ms };
  }
  return newest?.text ?? null;
}

/** Docker pulls one child; the registry executor copies every child a `platforms` entry names (variants included). */
function chosenPlatforms(mirror: MirrorConfig, all: PlatformFacts[], wanted: string[] | null): PlatformFacts[] {
  if (wanted === null) return all;
  if (mirror.executor === 'docker') {
    const pulled = pulledPlatform(all, dockerPlatform(mirror));
    return pulled === undefined ? [] : [pulled];
  }
  return all.filter((p) => wanted.some((w) => platformMatches(p.platform, w)));
}

/**
 * Registry executor: an index whole, or only the children matching `platforms` (a new index); a plain
 * image as it is. Docker executor: the one platform docker pulls.
 */
export function copiedContent(mirror: MirrorConfig, facts: TagFacts): CopiedContent {
  const all = facts.platforms;
  if (all === undefined) return { platforms: [], created: null, configDigest: null, problem: null };
  if (!facts.isIndex) {
    // A plain image is copied as it is, whatever `platforms` says: there is nothing to choose from.
    return { platforms: all, created: newestCreated(all), configDigest: all[0]?.configDigest ?? null, problem: null };
  }
  const wanted = mirror.executor === 'docker' ? [dockerPlatform(mirror)] : mirror.platforms;
  const chosen = chosenPlatforms(mirror, all, wanted);
  const problem =
    chosen.length === 0
      ? `the index has none of the platforms ${(wanted ?? []).join(', ')} (it has ${all.map((p) => p.platform).join(', ') || 'no platforms'})`
      : null;
  const configDigest = mirror.executor === 'docker' ? (chosen[0]?.configDigest ?? null) : null;
  return { platforms: chosen, created: newestCreated(chosen), configDigest, problem };
}

/** Config digest the docker executor compares at the destination: the plain image's, or the pulled platform's child. */
export function destinationConfigDigest(mirror: MirrorConfig, facts: TagFacts): string | null {
  const all = facts.platforms;
  if (all === undefined) return null;
  if (!facts.isIndex) return all[0]?.configDigest ?? null;
  if (mirror.executor !== 'docker') return null;
  return pulledPlatform(all, dockerPlatform(mirror))?.configDigest ?? null;
}

/** Multiset equality of child manifest digests: a platform subset re-indexed at the destination has a new index digest. */
export function sameChildren(a: PlatformFacts[], b: PlatformFacts[]): boolean {
  if (a.length === 0 || a.length !== b.length) return false;
  const left = a.map((p) => p.manifestDigest).sort();
  const right = b.map((p) => p.manifestDigest).sort();
  return left.every((digest, i) => digest === right[i]);
}
