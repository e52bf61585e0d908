import type { MirrorConfig } from '../config/types.js';
import { compareStrings } from '../util/compare.js';
import { ownEntry } from '../util/records.js';
import { shortDigest } from '../oci/index.js';
import type { SkipFilter, TagFacts } from './types.js';

/**
 * cosign's legacy tags and the OCI 1.1 fallback tag: tags that name another manifest by its digest. cosign (before
 * OCI referrers) stores a signature under `sha256-<hex>.sig`, attestations under `.att`, an SBOM under `.sbom`; a
 * client writing referrers to a registry without the referrers API keeps an index of them under `sha256-<hex>`.
 * Both are found by name alone, so knowing they exist costs nothing beyond the tag list already read. For a mirror
 * that carries legacy tags they are no images: the image filters never see them (matchTagNames sets them aside),
 * and one travels exactly when its subject is selected.
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

/** For each digest, the first of the (sorted) image tags read that points at it: a legacy tag's subject, by name. */
function tagsByDigest(images: readonly string[], facts: Record<string, TagFacts>): Map<string, string> {
  const byDigest = new Map<string, string>();
  for (const tag of images) {
    const digest = ownEntry(facts, tag)?.digest;
    if (digest !== undefined && !byDigest.has(digest)) byDigest.set(digest, tag);
  }
  return byDigest;
}

/**
 * The skips (filter `subject`) of the legacy tags the name filters keep but that do not travel: their subject is no
 * selected tag. The detail names the subject tag and why it was skipped when it is one of the image tags read
 * (`images`, in name order; `subjectSkip` gives a tag's skip), else the subject digest.
 */
export function unselectedLegacySkips(
  unselected: readonly string[],
  images: readonly string[],
  facts: Record<string, TagFacts>,
  subjectSkip: (tag: string) => { filter: SkipFilter; detail: string } | undefined,
): Array<{ tag: string; filter: 'subject'; detail: string }> {
  const subjects = tagsByDigest(images, facts);
  return unselected.map((tag) => {
    const digest = legacyCosignSubject(tag) ?? '';
    const subject = subjects.get(digest);
    const skipped = subject === undefined ? undefined : subjectSkip(subject);
    const why =
      subject === undefined
        ? `its subject ${shortDigest(digest)} is no tag the mirror reads`
        : skipped === undefined
          ? `its subject ${subject} is not selected`
          : `its subject ${subject} is skipped (${skipped.filter}: ${skipped.detail})`;
    return { tag, filter: 'subject', detail: `a legacy cosign tag: ${why}` };
  });
}
