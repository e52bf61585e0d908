import type { MirrorConfig } from '../config/types.js';
import { diffTag } from './compare.js';
import type { SelectedTag } from './compare.js';
import { applyDateFilters } from './date-filters.js';
import { matchTagNames, needsCreatedDate, selectRepositories } from './filters.js';
import { copiedContent, newestCreated } from './image-facts.js';
import { planPrune } from './prune.js';
import type { DestinationSelection } from './prune.js';
import { ownEntry } from '../util/records.js';
import { repositoryRef, sourceRepositoryPath, tagLocation, tagRef } from './refs.js';
import { mapRepository } from './rename.js';
import { isValidRange } from './semver-tag.js';
import type { Change, MirrorInventory, Skipped } from './types.js';
import { unmatchedSource } from './unmatched-source.js';

export interface MirrorPlan {
  changes: Change[];
  skipped: Skipped[];
  problems: string[];
  warnings: string[];
}

/** Plans one mirror: selection, rename, diff per selected tag, then prune per destination repository. */
export function planMirror(mirror: MirrorConfig, inventory: MirrorInventory, now: Date): MirrorPlan {
  const problems: string[] = [];
  const skipped: Skipped[] = [];
  const problem = (text: string): void => void problems.push(`mirror ${mirror.name}: ${text}`);
  const skip = (ref: string, filter: Skipped['filter'], detail: string): void =>
    void skipped.push({ mirror: mirror.name, ref, filter, detail });

  const unmatched = unmatchedSource(mirror, inventory);
  if (unmatched !== null) return { changes: [], skipped, problems: [unmatched], warnings: [] };
  if (mirror.tags.semver !== null && !isValidRange(mirror.tags.semver)) {
    problem(`tags.semver ${JSON.stringify(mirror.tags.semver)} is not a semver range (e.g. ">=1.2.0 <2")`);
    return { changes: [], skipped, problems, warnings: [] };
  }

  const repositories = selectRepositories(mirror, inventory.sourceRepositories);
  for (const { repository, filter, detail } of repositories.skipped) {
    skip(repositoryRef(mirror.source, sourceRepositoryPath(mirror.source, repository)), filter, detail);
  }

  const byDestination = new Map<string, DestinationSelection>();
  for (const relative of repositories.selected) {
    const sourcePath = sourceRepositoryPath(mirror.source, relative);
    const sourceName = repositoryRef(mirror.source, sourcePath);
    const mapped = mapRepository(mirror, relative);
    if ('error' in mapped) {
      problem(`${sourceName}: ${mapped.error}`);
      continue;
    }
    const facts = ownEntry(inventory.source, relative);
    if (facts === undefined) {
      problem(`${sourceName}: the inventory has no facts for this repository (internal error)`);
      continue;
    }
    if (!facts.exists && mirror.repositories.names !== null) {
      problem(`${sourceName}: the repository does not exist or has no tags; fix repositories.names`);
    }
    const destinationFacts = ownEntry(inventory.destination, mapped.repository);
    if (destinationFacts === undefined) {
      problem(
        `${repositoryRef(mirror.destination, mapped.repository)}: the inventory has no facts for this destination repository (internal error)`,
      );
      continue;
    }
    const group = byDestination.get(mapped.repository) ?? {
      repository: mapped.repository,
      facts: destinationFacts,
      selected: [],
      kept: new Set<string>(),
    };
    // A Set, not tags.includes per tag: repositories with tens of thousands of tags are common (nightly builds).
    const destinationTags = new Set(destinationFacts.exists ? destinationFacts.tags : []);
    byDestination.set(mapped.repository, group);

    const names = matchTagNames(mirror, facts.exists ? facts.tags : []);
    for (const { tag, filter, detail } of names.skipped) skip(tagRef(mirror.source, sourcePath, tag), filter, detail);

    const candidates: Array<Omit<SelectedTag, 'destination'>> = [];
    for (const tag of names.kept) {
      const sourceAt = tagLocation(mirror.source, sourcePath, tag);
      const sourceRef = sourceAt.ref;
      const tagFacts = ownEntry(facts.facts, tag);
      if (tagFacts === undefined) {
        group.kept.add(tag);
        problem(`${sourceRef}: the tag was listed but could not be read (deleted while planning?); run plan again`);
        continue;
      }
      candidates.push({
        mirror,
        tag,
        sourceAt,
        targetAt: tagLocation(mirror.destination, mapped.repository, tag),
        source: tagFacts,
        content: copiedContent(mirror, tagFacts),
      });
    }

    let kept = candidates;
    if (needsCreatedDate(mirror)) {
      const dated = applyDateFilters(
        mirror,
        candidates.map((c) => ({
          tag: c.tag,
          // A tag whose platforms are missing still has a date, so an old one is dropped by age, not reported.
          created: c.content.problem === null ? c.content.created : newestCreated(c.source.platforms ?? []),
        })),
        now,
      );
      for (const { tag, filter, detail } of dated.skipped) skip(tagRef(mirror.source, sourcePath, tag), filter, detail);
      const keptTags = new Set(dated.kept);
      kept = candidates.filter((c) => keptTags.has(c.tag));
    }

    for (const candidate of kept) {
      group.kept.add(candidate.tag);
      if (candidate.content.problem !== null) {
        problem(`${candidate.sourceAt.ref}: ${candidate.content.problem}`);
        continue;
      }
      const tag = candidate.tag;
      const destination = destinationTags.has(tag) ? ownEntry(destinationFacts.facts, tag) : null;
      if (destination === undefined) {
        problem(`${candidate.targetAt.ref}: the tag was listed but could not be read (deleted while planning?); run plan again`);
        continue;
      }
      group.selected.push({ ...candidate, destination });
    }
  }

  const changes: Change[] = [];
  for (const group of byDestination.values()) {
    changes.push(...group.selected.map(diffTag));
    if (mirror.prune) {
      const pruned = planPrune(mirror, group);
      changes.push(...pruned.changes);
      problems.push(...pruned.problems.map((text) => `mirror ${mirror.name}: ${text}`));
    }
  }
  return { changes, skipped, problems, warnings: [] };
}
