import type { MirrorConfig } from '../config/types.js';
import { dockerPlatform } from './filters.js';
import { destinationConfigDigest, sameChildren } from './image-facts.js';
import type { CopiedContent } from './image-facts.js';
import type { Change, ChangeLocation, TagFacts } from './types.js';

/** One selected source tag and where it goes. */
export interface SelectedTag {
  mirror: MirrorConfig;
  tag: string;
  sourceAt: ChangeLocation;
  targetAt: ChangeLocation;
  source: TagFacts;
  content: CopiedContent;
  /** The destination tag's facts, or null when the destination has no such tag. */
  destination: TagFacts | null;
}

/**
 * Equal manifest digests are the same content for every executor: the one part of sameContent that needs no facts
 * but the two digests. The inventory reads it (through InventorySelection) to leave such tags at one HEAD.
 */
export function sameDigest(source: TagFacts, destination: TagFacts | null): boolean {
  return destination !== null && destination.digest === source.digest;
}

/**
 * "Same content" per executor. registry: equal manifest digests; with a `platforms` subset of an index the
 * copy is a new index whose digest differs by design, so the destination's children (their manifest digests)
 * are compared with the selected source children instead. docker: it re-encodes on push, so the config digest
 * of the pulled platform is compared; when either config digest is unknown, manifest digests decide.
 */
function sameContent(selected: SelectedTag): boolean {
  const { mirror, source, content, destination } = selected;
  if (destination === null) return false;
  if (sameDigest(source, destination)) return true;
  if (mirror.executor === 'docker') {
    const target = destinationConfigDigest(mirror, destination);
    return content.configDigest !== null && target !== null && content.configDigest === target;
  }
  if (content.subsetChildren !== null && destination.isIndex && destination.children !== undefined) {
    return sameChildren(
      content.subsetChildren,
      destination.children.map((child) => child.digest),
    );
  }
  return false;
}

function sourcePlatforms(mirror: MirrorConfig, content: CopiedContent): string[] {
  if (content.platforms.length > 0) return content.platforms.map((p) => p.platform);
  // Without facts the docker executor still knows what it will ask for.
  return mirror.executor === 'docker' ? [dockerPlatform(mirror)] : [];
}

function dockerFlattenWarning(mirror: MirrorConfig): string {
  return `the source is a multi-platform index; the docker executor copies only ${dockerPlatform(mirror)}, so the destination gets a single-platform image`;
}

/** Warnings about what apply will do: docker flattening an index, children that cannot be read. */
function changeWarnings(mirror: MirrorConfig, source: TagFacts): string[] {
  const warnings = mirror.executor === 'docker' && source.isIndex ? [dockerFlattenWarning(mirror)] : [];
  for (const why of source.unusable ?? []) warnings.push(`a child of the index cannot be used, so copying it will likely fail: ${why}`);
  return warnings;
}

/** The Change for one selected tag: create, update, or noop (up-to-date / overwrite-disabled). */
export function diffTag(selected: SelectedTag): Change {
  const { mirror, source, content, destination, sourceAt, targetAt } = selected;
  const same = sameContent(selected);
  const action = destination === null ? 'create' : same ? 'noop' : mirror.overwrite ? 'update' : 'noop';
  const reason =
    destination === null ? 'missing-in-destination' : same ? 'up-to-date' : mirror.overwrite ? 'content-differs' : 'overwrite-disabled';
  const change: Change = {
    id: `${mirror.name}:${targetAt.ref}`,
    mirror: mirror.name,
    action,
    reason,
    executor: mirror.executor,
    source: {
      ...sourceAt,
      digest: source.digest,
      mediaType: source.mediaType,
      created: content.created,
      configDigest: content.configDigest,
      platforms: sourcePlatforms(mirror, content),
      ...(typeof source.artifactType === 'string' ? { artifactType: source.artifactType } : {}),
    },
    target: {
      ...targetAt,
      digest: destination?.digest ?? null,
      configDigest: destination === null ? null : destinationConfigDigest(mirror, destination),
    },
  };
  if (action === 'create' || action === 'update') {
    change.copy = { platforms: content.copyPlatforms };
    // A warning is about what apply will do, so a noop carries none.
    const warnings = changeWarnings(mirror, source);
    if (warnings.length > 0) change.warnings = warnings;
  }
  return change;
}
