import type { MirrorConfig } from '../config/types.js';
import { diffTag } from './compare.js';
import type { SelectedTag } from './compare.js';
import { applyDateFilters } from './date-filters.js';
import { matchTagNames, needsCreatedDate, selectRepositories } from './filters.js';
import { copiedContent } from './image-facts.js';
import { planPrune } from './prune.js';
import type { DestinationSelection } from './prune.js';
import { ownEntry } from '../util/records.js';
import { repositoryRef, sourceRepositoryPath, tagLocation, tagRef } from './refs.js';
import { mapRepository } from './rename.js';
import { isValidRange } from './semver-tag.js';
import { carriesLegacyCosignTags, travellingLegacyTags, unselectedLegacySkips } from './legacy-cosign.js';
import type { Change, MirrorInventory, RepositoryFacts, Skipped } from './types.js';
import { unmatchedSource } from './unmatched-source.js';
import { ownsSourceRepository } from './shard.js';
import type { Shard } from './shard.js';

export interface MirrorPlan {
  changes: Change[];
  skipped: Skipped[];
  problems: string[];
  warnings: string[];
}

/** One mirror being planned: what it reports, and the selection grouped by destination repository. */
interface Planning {
  mirror: MirrorConfig;
  inventory: MirrorInventory;
  now: Date;
  shard: Shard | null;
  out: MirrorPlan;
  byDestination: Map<string, DestinationSelection>;
}

/** A selected tag before the destination is looked up. */
type Candidate = Omit<SelectedTag, 'destination'>;

function problem(planning: Planning, text: string): void {
  planning.out.problems.push(`mirror ${planning.mirror.name}: ${text}`);
}

function warn(planning: Planning, text: string): void {
  planning.out.warnings.push(`mirror ${planning.mirror.name}: ${text}`);
}

function skip(planning: Planning, ref: string, filter: Skipped['filter'], detail: string): void {
  planning.out.skipped.push({ mirror: planning.mirror.name, ref, filter, detail });
}

/** The destination group a source repository maps onto, created with the destination's facts. */
function destinationGroup(planning: Planning, repository: string, facts: RepositoryFacts): DestinationSelection {
  let group = planning.byDestination.get(repository);
  if (group === undefined) {
    group = { repository, facts, selected: [], kept: new Set<string>() };
    planning.byDestination.set(repository, group);
  }
  return group;
}

/** The tag names the filters keep, and the skips they report (deferred: a legacy cosign tag may travel after all). */
interface Names {
  kept: string[];
  skipped: Array<{ tag: string; filter: Skipped['filter']; detail: string }>;
  /** Legacy cosign tags the name filters keep: no images, they travel with their subject or are skipped. */
  legacy: string[];
}

/** A source tag's candidate: its facts, what it copies and where it goes; null with a problem when it was not read. */
function candidateOf(
  planning: Planning,
  facts: RepositoryFacts,
  sourcePath: string,
  targetRepository: string,
  group: DestinationSelection,
  tag: string,
) {
  const sourceAt = tagLocation(planning.mirror.source, sourcePath, tag);
  const tagFacts = ownEntry(facts.facts, tag);
  if (tagFacts === undefined) {
    group.kept.add(tag);
    problem(planning, `${sourceAt.ref}: the tag was listed but could not be read (deleted while planning?); run plan again`);
    return null;
  }
  return { sourceAt, tagFacts, targetAt: tagLocation(planning.mirror.destination, targetRepository, tag) };
}

/** The kept tag names with their facts and what they copy; a tag that cannot serve `platforms` is skipped. */
function candidatesOf(
  planning: Planning,
  facts: RepositoryFacts,
  sourcePath: string,
  targetRepository: string,
  group: DestinationSelection,
  names: Names,
) {
  const { mirror } = planning;
  const candidates: Candidate[] = [];
  for (const tag of names.kept) {
    const found = candidateOf(planning, facts, sourcePath, targetRepository, group, tag);
    if (found === null) continue;
    const decision = copiedContent(mirror, found.tagFacts);
    if ('skip' in decision) {
      skip(planning, found.sourceAt.ref, 'platform', decision.skip);
      continue;
    }
    candidates.push({ mirror, tag, sourceAt: found.sourceAt, targetAt: found.targetAt, source: found.tagFacts, content: decision.copy });
  }
  return candidates;
}

/**
 * The legacy cosign tags of the selected candidates, copied as tags byte for byte whatever the tag filters say of
 * their names (legacy-cosign.ts). The name skips of those that travel are dropped; one the name filters keep whose
 * subject is not selected is skipped (filter `subject`).
 */
function legacyCandidates(
  planning: Planning,
  facts: RepositoryFacts,
  sourcePath: string,
  targetRepository: string,
  group: DestinationSelection,
  selected: Candidate[],
  names: Names,
): Candidate[] {
  const { mirror } = planning;
  const travelling = travellingLegacyTags(
    mirror,
    facts.exists ? facts.tags : [],
    selected.map((candidate) => candidate.tag),
    facts.facts,
  );
  const travels = new Set(travelling);
  for (const { tag, filter, detail } of names.skipped) {
    if (!travels.has(tag)) skip(planning, tagRef(mirror.source, sourcePath, tag), filter, detail);
  }
  skipUnselectedLegacy(
    planning,
    facts,
    sourcePath,
    names.legacy.filter((tag) => !travels.has(tag)),
    names.kept,
  );
  const candidates: Candidate[] = [];
  for (const tag of travelling) {
    const found = candidateOf(planning, facts, sourcePath, targetRepository, group, tag);
    if (found === null) continue;
    // Copied whole and byte for byte, like the referrer it is: no platform subset applies to a signature.
    const decision = copiedContent({ ...mirror, platforms: null }, found.tagFacts);
    if ('skip' in decision) continue;
    candidates.push({ mirror, tag, sourceAt: found.sourceAt, targetAt: found.targetAt, source: found.tagFacts, content: decision.copy });
  }
  return candidates;
}

/** Legacy tags the name filters keep but whose subject is not selected: skipped, naming their subject and its skip. */
function skipUnselectedLegacy(
  planning: Planning,
  facts: RepositoryFacts,
  sourcePath: string,
  unselected: string[],
  images: string[],
): void {
  if (unselected.length === 0) return;
  const { mirror } = planning;
  const skipped = new Map<string, Skipped>();
  for (const entry of planning.out.skipped) skipped.set(entry.ref, entry);
  const subjectSkip = (tag: string) => skipped.get(tagRef(mirror.source, sourcePath, tag));
  for (const { tag, filter, detail } of unselectedLegacySkips(unselected, images, facts.facts, subjectSkip))
    skip(planning, tagRef(mirror.source, sourcePath, tag), filter, detail);
}

/** maxAge, minAge and latest, when configured: they need each candidate's `created`. */
function datedCandidates(planning: Planning, candidates: Candidate[], sourcePath: string): Candidate[] {
  const { mirror } = planning;
  if (!needsCreatedDate(mirror)) return candidates;
  const dated = applyDateFilters(
    mirror,
    candidates.map((c) => ({ tag: c.tag, created: c.content.created })),
    planning.now,
  );
  for (const { tag, filter, detail } of dated.skipped) skip(planning, tagRef(mirror.source, sourcePath, tag), filter, detail);
  const kept = new Set(dated.kept);
  return candidates.filter((c) => kept.has(c.tag));
}

/** The kept candidates join their destination group with the destination tag's facts (null: no such tag). */
function selectCandidates(planning: Planning, candidates: Candidate[], group: DestinationSelection): void {
  const destination = group.facts;
  // A Set, not tags.includes per tag: repositories with tens of thousands of tags are common (nightly builds).
  const destinationTags = new Set(destination !== null && destination.exists ? destination.tags : []);
  for (const candidate of candidates) {
    group.kept.add(candidate.tag);
    const facts = destinationTags.has(candidate.tag) ? ownEntry(destination?.facts ?? {}, candidate.tag) : null;
    if (facts === undefined) {
      problem(planning, `${candidate.targetAt.ref}: the tag was listed but could not be read (deleted while planning?); run plan again`);
      continue;
    }
    group.selected.push({ ...candidate, destination: facts });
  }
}

/** Warnings about a source repository planned around: no tags at all, or tags its store names ambiguously. */
function repositoryWarnings(planning: Planning, facts: RepositoryFacts, sourceName: string): void {
  if (!facts.exists && planning.mirror.repositories.names === null)
    warn(planning, `${sourceName} has no tags, so nothing is copied from it`);
  for (const note of facts.notes ?? []) warn(planning, `${sourceName}: ${note}`);
}

/** One source repository: rename, its facts and its destination's, then the tag filters in order. */
function planRepository(planning: Planning, relative: string): void {
  const { mirror, inventory } = planning;
  const sourcePath = sourceRepositoryPath(mirror.source, relative);
  const sourceName = repositoryRef(mirror.source, sourcePath);
  const mapped = mapRepository(mirror, relative);
  if ('error' in mapped) return problem(planning, `${sourceName}: ${mapped.error}`);
  const facts = ownEntry(inventory.source, relative);
  if (facts === undefined) return problem(planning, `${sourceName}: the inventory has no facts for this repository (internal error)`);
  if (!facts.exists && mirror.repositories.names !== null) {
    problem(planning, `${sourceName}: the repository does not exist or has no tags; fix repositories.names`);
  }
  repositoryWarnings(planning, facts, sourceName);
  const destinationFacts = ownEntry(inventory.destination, mapped.repository);
  if (destinationFacts === undefined) {
    const where = repositoryRef(mirror.destination, mapped.repository);
    return problem(planning, `${where}: the inventory has no facts for this destination repository (internal error)`);
  }
  const group = destinationGroup(planning, mapped.repository, destinationFacts);
  const names = matchTagNames(mirror, facts.exists ? facts.tags : []);
  if (!carriesLegacyCosignTags(mirror)) {
    for (const { tag, filter, detail } of names.skipped) skip(planning, tagRef(mirror.source, sourcePath, tag), filter, detail);
  }
  const candidates = candidatesOf(planning, facts, sourcePath, mapped.repository, group, names);
  const selected = datedCandidates(planning, candidates, sourcePath);
  const legacy = carriesLegacyCosignTags(mirror)
    ? legacyCandidates(planning, facts, sourcePath, mapped.repository, group, selected, names)
    : [];
  selectCandidates(planning, [...selected, ...legacy], group);
}

/** The diff of every selected tag, then prune, per destination repository. */
function changesOf(planning: Planning): Change[] {
  const changes: Change[] = [];
  for (const group of planning.byDestination.values()) {
    changes.push(...group.selected.map(diffTag));
    if (!planning.mirror.prune) continue;
    const pruned = planPrune(planning.mirror, group);
    changes.push(...pruned.changes);
    for (const text of pruned.problems) problem(planning, text);
  }
  return changes;
}

/**
 * The source repositories left unplanned: those the inventory could not read and, with prune, every other one
 * renamed onto the same destination repository (its prune would delete the unread repository's tags).
 */
function unplannable(mirror: MirrorConfig, inventory: MirrorInventory, selected: readonly string[]): Set<string> {
  const unread = new Set(inventory.unreadable ?? []);
  if (unread.size === 0 || !mirror.prune) return unread;
  const destinationOf = (relative: string): string | null => {
    const mapped = mapRepository(mirror, relative);
    return 'error' in mapped ? null : mapped.repository;
  };
  const blocked = new Set([...unread].map(destinationOf));
  blocked.delete(null);
  return new Set([...unread, ...selected.filter((relative) => blocked.has(destinationOf(relative)))]);
}

/**
 * Plans one mirror: selection, rename, diff per selected tag, then prune per destination repository. With a
 * shard, only the repositories whose destination repository falls in it (skipped ones included).
 */
export function planMirror(mirror: MirrorConfig, inventory: MirrorInventory, now: Date, shard: Shard | null = null): MirrorPlan {
  const out: MirrorPlan = { changes: [], skipped: [], problems: [], warnings: [] };
  const unmatched = unmatchedSource(mirror, inventory);
  if (unmatched !== null) return { ...out, problems: [unmatched] };
  const planning: Planning = { mirror, inventory, now, shard, out, byDestination: new Map() };
  if (mirror.tags.semver !== null && !isValidRange(mirror.tags.semver)) {
    problem(planning, `tags.semver ${JSON.stringify(mirror.tags.semver)} is not a semver range (e.g. ">=1.2.0 <2")`);
    return out;
  }
  const repositories = selectRepositories(mirror, inventory.sourceRepositories);
  for (const { repository, filter, detail } of repositories.skipped) {
    if (!ownsSourceRepository(shard, mirror, repository)) continue;
    skip(planning, repositoryRef(mirror.source, sourceRepositoryPath(mirror.source, repository)), filter, detail);
  }
  const unreadable = unplannable(mirror, inventory, repositories.selected);
  for (const relative of repositories.selected) {
    if (ownsSourceRepository(shard, mirror, relative) && !unreadable.has(relative)) planRepository(planning, relative);
  }
  out.changes = changesOf(planning);
  return out;
}
