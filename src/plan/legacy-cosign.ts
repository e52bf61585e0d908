import type { MirrorConfig } from '../config/types.js';
import { compareStrings } from '../util/compare.js';
import { ownEntry } from '../util/records.js';
import type { RepositoryFacts, SkipFilter, TagFacts } from './types.js';

/**
 * cosign's legacy tags and the OCI 1.1 fallback tag: tags that name another manifest by its digest. cosign (before
 * OCI referrers) stores a signature under `sha256-<hex>.sig`, attestations under `.att`, an SBOM under `.sbom`; a
 * client writing referrers to a registry without the referrers API keeps an index of them under `sha256-<hex>`.
 * Both are found by name alone, so knowing they exist costs nothing beyond the tag list already read.
 */

const LEGACY_COSIGN_TAG = /^sha256-([0-9a-f]{64})\.(sig|att|sbom)$/;
const LEGACY_KINDS = { sig: 'signature', att: 'attestation', sbom: 'SBOM' } as const;
const FALLBACK_TAG = /^sha256-([0-9a-f]{64})$/;

/** The subject digest (`sha256:<hex>`) a legacy cosign tag names, or null for any other tag. */
export function legacyCosignSubject(tag: string): string | null {
  const hex = LEGACY_COSIGN_TAG.exec(tag)?.[1];
  return hex === undefined ? null : `sha256:${hex}`;
}

/** What a legacy cosign tag holds and of which digest, for display; null for any other tag. */
export function legacyCosignTag(tag: string): { kind: 'signature' | 'attestation' | 'SBOM'; subject: string } | null {
  const match = LEGACY_COSIGN_TAG.exec(tag);
  if (match === null) return null;
  return { kind: LEGACY_KINDS[match[2] as keyof typeof LEGACY_KINDS], subject: `sha256:${match[1]}` };
}

/**
 * The subject digest a referrer tag names (a fallback tag `sha256-<hex>` or a legacy cosign tag), or null: prune
 * keeps such a tag while its subject stays.
 */
export function referrerTagSubject(tag: string): string | null {
  const hex = FALLBACK_TAG.exec(tag)?.[1];
  return hex === undefined ? legacyCosignSubject(tag) : `sha256:${hex}`;
}

/** Whether the mirror carries cosign's legacy tags with their images (`referrers` set, `legacyCosignTags` not false). */
export function carriesLegacyCosignTags(mirror: MirrorConfig): boolean {
  return mirror.executor === 'registry' && mirror.referrers !== null && mirror.referrers.legacyCosignTags;
}

/**
 * The legacy tags among the name-kept `kept` that belong to another kept tag: one whose subject is the digest of
 * a kept tag that is no legacy tag. They are no images: the image filters (platform, dates, `latest`) never see
 * them, and they travel exactly when their subject is selected. A legacy tag whose subject is no kept tag (its
 * image is untagged or dropped by name) stays an ordinary tag, as it is without referrers. Empty unless the
 * mirror carries legacy tags.
 */
export function boundLegacyTags(mirror: MirrorConfig, kept: readonly string[], facts: Record<string, TagFacts>): Set<string> {
  const bound = new Set<string>();
  if (!carriesLegacyCosignTags(mirror)) return bound;
  const digests = new Set<string>();
  for (const tag of kept) {
    const digest = legacyCosignSubject(tag) === null ? ownEntry(facts, tag)?.digest : undefined;
    if (digest !== undefined) digests.add(digest);
  }
  for (const tag of kept) {
    const subject = legacyCosignSubject(tag);
    if (subject !== null && digests.has(subject)) bound.add(tag);
  }
  return bound;
}

/**
 * The legacy tags that travel with the selected tags of one source repository: for each selected tag that is no
 * legacy tag, the listed `sha256-<hex>.sig|.att|.sbom` of its digest, whatever the tag filters say of their
 * names. Sorted; empty unless the mirror carries legacy tags.
 */
export function travellingLegacyTags(
  mirror: MirrorConfig,
  listed: readonly string[],
  selected: readonly string[],
  facts: Record<string, TagFacts>,
): string[] {
  if (!carriesLegacyCosignTags(mirror)) return [];
  const subjects = new Set<string>();
  for (const tag of selected) {
    const digest = legacyCosignSubject(tag) === null ? ownEntry(facts, tag)?.digest : undefined;
    if (digest !== undefined) subjects.add(digest);
  }
  const travelling = new Set<string>();
  for (const tag of listed) {
    const subject = legacyCosignSubject(tag);
    if (subject !== null && subjects.has(subject)) travelling.add(tag);
  }
  return [...travelling].sort(compareStrings);
}

/** For each digest, the first tag (in name order) pointing at it that is no legacy tag: a bound legacy tag's subject. */
function imageTagsByDigest(facts: RepositoryFacts, bound: ReadonlySet<string>): Map<string, string> {
  const byDigest = new Map<string, string>();
  for (const tag of [...facts.tags].sort(compareStrings)) {
    const digest = bound.has(tag) || legacyCosignSubject(tag) !== null ? undefined : ownEntry(facts.facts, tag)?.digest;
    if (digest !== undefined && !byDigest.has(digest)) byDigest.set(digest, tag);
  }
  return byDigest;
}

/**
 * The skips of bound legacy tags whose subject is not selected: each is skipped as its subject was (`subjectSkip`
 * gives the subject tag's skip), with a detail naming the subject.
 */
export function unselectedLegacySkips(
  facts: RepositoryFacts,
  unselected: readonly string[],
  bound: ReadonlySet<string>,
  subjectSkip: (tag: string) => { filter: SkipFilter; detail: string } | undefined,
): Array<{ tag: string; filter: SkipFilter; detail: string }> {
  const subjects = imageTagsByDigest(facts, bound);
  return unselected.map((tag) => {
    const subject = subjects.get(legacyCosignSubject(tag) ?? '');
    const skipped = subject === undefined ? undefined : subjectSkip(subject);
    // A bound tag's subject is a kept tag with facts: not selected, the platform rule or a date filter skipped it.
    if (subject === undefined || skipped === undefined)
      return { tag, filter: 'platform', detail: 'a legacy cosign tag; its subject is not selected' };
    return { tag, filter: skipped.filter, detail: `a legacy cosign tag; its subject ${subject} is skipped: ${skipped.detail}` };
  });
}
