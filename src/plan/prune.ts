import type { MirrorConfig } from '../config/types.js';
import { compareStrings } from '../util/compare.js';
import { destinationConfigDigest } from './image-facts.js';
import type { SelectedTag } from './compare.js';
import { ownEntry } from '../util/records.js';
import { tagLocation } from './refs.js';
import type { Change, RepositoryFacts } from './types.js';

/** Every selected tag of one destination repository, for prune. */
export interface DestinationSelection {
  repository: string;
  facts: RepositoryFacts | null;
  selected: SelectedTag[];
  /** Tag names the selection keeps, even those with a problem: prune must never delete them. */
  kept: Set<string>;
}

/**
 * With prune: every destination tag of the repository that the selection does not keep is deleted, except
 * one whose digest a kept tag points at now: registries delete manifests by digest, which would take the kept
 * tag with it. Such a tag becomes a noop `digest-shared-with-kept-tag`. A kept tag with a problem has no change,
 * so only this sees it; a digest that a copy lands under is spared across all changes by spareSharedDigests.
 */
export function planPrune(mirror: MirrorConfig, group: DestinationSelection): { changes: Change[]; problems: string[] } {
  const facts = group.facts;
  if (facts === null || !facts.exists) return { changes: [], problems: [] };
  const protectedDigests = new Set<string>();
  const listed = new Set(facts.tags);
  for (const tag of group.kept) {
    const current = listed.has(tag) ? ownEntry(facts.facts, tag)?.digest : undefined;
    if (current !== undefined) protectedDigests.add(current);
  }

  const changes: Change[] = [];
  const problems: string[] = [];
  for (const tag of [...listed].sort(compareStrings)) {
    if (group.kept.has(tag)) continue;
    const location = tagLocation(mirror.destination, group.repository, tag);
    const ref = location.ref;
    const tagFacts = ownEntry(facts.facts, tag);
    if (tagFacts === undefined) {
      problems.push(`${ref}: the tag was listed but could not be read, so prune cannot check it; run plan again`);
      continue;
    }
    const shared = protectedDigests.has(tagFacts.digest);
    changes.push({
      id: `${mirror.name}:${ref}`,
      mirror: mirror.name,
      action: shared ? 'noop' : 'delete',
      reason: shared ? 'digest-shared-with-kept-tag' : 'not-in-selection',
      executor: mirror.executor,
      source: null,
      target: { ...location, digest: tagFacts.digest, configDigest: destinationConfigDigest(mirror, tagFacts) },
    });
  }
  return { changes, problems };
}
