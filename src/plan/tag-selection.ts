import type { MirrorConfig } from '../config/types.js';
import { ownEntry } from '../util/records.js';
import { applyDateFilters } from './date-filters.js';
import { dockerPlatform, matchTagNames, needsCreatedDate, needsImageFacts, selectRepositories } from './filters.js';
import { sameDigest } from './compare.js';
import { copiedContent } from './image-facts.js';
import { carriesLegacyCosignTags, travellingLegacyTags } from './legacy-cosign.js';
import { mapRepository } from './rename.js';
import type { TagFacts } from './types.js';

/**
 * The tags the planner selects among a source repository's name-kept tags once their facts are known: the ones
 * whose content serves the mirror (copiedContent) and that pass the date filters at `now`. The same steps, in the
 * same order, as planMirror's candidates; a tag without facts (gone while planning) is not selected. The
 * inventory reads the destination state of these tags only (without prune nothing else is compared). Legacy cosign
 * tags are no images (matchTagNames sets them aside): those that travel are travellingLegacyTags.
 */
export function selectedTagNames(mirror: MirrorConfig, kept: readonly string[], facts: Record<string, TagFacts>, now: Date): string[] {
  const candidates: Array<{ tag: string; created: string | null }> = [];
  for (const tag of kept) {
    const tagFacts = ownEntry(facts, tag);
    if (tagFacts === undefined) continue;
    const decision = copiedContent(mirror, tagFacts);
    if ('skip' in decision) continue;
    candidates.push({ tag, created: decision.copy.created });
  }
  if (!needsCreatedDate(mirror)) return candidates.map((candidate) => candidate.tag);
  return applyDateFilters(mirror, candidates, now).kept;
}

/**
 * The planner's pure selection functions the inventory reads by (inventory/types.ts InventorySelection), with the
 * plan's clock bound: both then agree on every tag selected.
 */
export function inventorySelection(now: Date) {
  return {
    selectRepositories,
    matchTagNames,
    mapRepository,
    needsImageFacts,
    needsCreatedDate,
    dockerPlatform,
    sameDigest,
    selectTags: (mirror: MirrorConfig, kept: readonly string[], facts: Record<string, TagFacts>): string[] =>
      selectedTagNames(mirror, kept, facts, now),
    carriesLegacyCosignTags,
    legacyCosignTags: travellingLegacyTags,
  };
}
