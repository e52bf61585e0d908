import { legacyCosignSubject } from './legacy-cosign.js';
import { sourceHost } from './pull-budget.js';
import { digestLocationRef } from './refs.js';
import { summarize } from './summary.js';
import type { Change, Plan, PlanStats, ReadFailure, ReferrerCopy } from './types.js';

/**
 * Referrers as changes of their own (issue 16). The inventory lists, for each image `referrerImages` names, the
 * referrers at the source and those the destination already lists; this pure step turns those facts into changes:
 * `create` for a referrer the destination does not list, `noop` for one it does, each right after its image's change
 * (apply runs a source repository's changes in plan order, so a referrer lands after its subject).
 */

/** What the inventory learnt about one image's referrers. */
export interface ImageReferrerFacts {
  /** The id of the image's change (a tag created, updated or unchanged). */
  image: string;
  /** Found at the source, each after its subject (a referrer of a referrer after the one it refers to). */
  referrers: ReferrerCopy[];
  /** Digests the destination already lists as referrers of the image's subjects (referrers API or fallback tag). */
  present: string[];
  /** Referrers of the source index that cannot follow a `platforms` subset (the subset is a new index digest). */
  dropped: number;
  /**
   * Subjects whose referrers the source listed by their `sha256-<hex>` fallback tag (no referrers API there): that
   * tag is the list these referrer changes carry, and apply keeps the destination's own (absent: none).
   */
  fallbackSubjects?: string[];
}

export interface ReferrerFacts {
  images: ImageReferrerFacts[];
  /** Listings made (source and destination): the footer's `referrers: N listings`. */
  listings: number;
  /** Source repositories whose referrers could not be listed: left out of the plan like any unreadable repository. */
  failures: ReadFailure[];
}

/**
 * The image changes whose referrers travel: a kept tag of a mirror with `referrers`, whose destination holds (or
 * will hold) the source's content: a create, an update, or a noop that is up to date. A noop kept apart by
 * `overwrite: false` holds other content, and a delete keeps nothing.
 */
export function referrerImages(plan: Pick<Plan, 'changes'>, mirrors: ReadonlySet<string>): Change[] {
  return plan.changes.filter(
    (change) =>
      mirrors.has(change.mirror) &&
      change.subject === undefined &&
      change.source !== null &&
      change.target.tag !== null &&
      // A legacy cosign tag is a signature travelling as a tag, not an image: its referrers are not listed.
      legacyCosignSubject(change.target.tag) === null &&
      (change.action === 'create' || change.action === 'update' || (change.action === 'noop' && change.reason === 'up-to-date')),
  );
}

/**
 * Whether the plan copies `tag` as a tag (create, update or noop) into the destination repository `target`: a
 * `sha256-<hex>` fallback tag so copied is the source's own, mirrored byte for byte by its tag change.
 */
export function tagsCopiedIn(plan: Pick<Plan, 'changes'>): (target: { endpoint: string; repository: string }, tag: string) => boolean {
  const key = (target: { endpoint: string; repository: string }, tag: string): string => `${target.endpoint}\0${target.repository}\0${tag}`;
  const copied = new Set<string>();
  for (const change of plan.changes)
    if (change.action !== 'delete' && change.target.tag !== null) copied.add(key(change.target, change.target.tag));
  return (target, tag) => copied.has(key(target, tag));
}

/** The change of one referrer of `image`: its ends named by digest in the image's repositories. */
export function referrerChange(image: Change, referrer: ReferrerCopy, present: boolean): Change {
  const source = image.source!;
  const { target } = image;
  return {
    id: `${image.mirror}:${digestLocationRef(target.endpoint, target.repository, referrer.digest)}`,
    mirror: image.mirror,
    action: present ? 'noop' : 'create',
    reason: present ? 'up-to-date' : 'missing-in-destination',
    executor: image.executor,
    source: {
      ref: digestLocationRef(source.endpoint, source.repository, referrer.digest),
      endpoint: source.endpoint,
      repository: source.repository,
      tag: null,
      digest: referrer.digest,
      mediaType: referrer.mediaType,
      created: null,
      configDigest: null,
      platforms: [],
      ...(referrer.artifactType === null ? {} : { artifactType: referrer.artifactType }),
      size: referrer.size,
    },
    target: {
      ref: digestLocationRef(target.endpoint, target.repository, referrer.digest),
      endpoint: target.endpoint,
      repository: target.repository,
      tag: null,
      digest: present ? referrer.digest : null,
      configDigest: null,
    },
    ...(present ? {} : { copy: { platforms: null } }),
    subject: referrer.subject,
    artifactType: referrer.artifactType,
    referrerOf: image.id,
  };
}

/** A referrer change back as the fallback index lists it (what apply merges into a destination's `sha256-<hex>` tag). */
export function referrerCopy(change: Change): ReferrerCopy {
  const source = change.source!;
  return {
    subject: change.subject!,
    digest: source.digest,
    mediaType: source.mediaType,
    size: source.size ?? 0,
    artifactType: change.artifactType ?? null,
  };
}

function withoutFailed(changes: Change[], failures: readonly ReadFailure[]): Change[] {
  if (failures.length === 0) return changes;
  const failedSource = new Set(failures.map((f) => `${f.mirror}\0${f.repository}`));
  // Every change of a failed source repository goes, and so do the changes in the destination repositories it maps
  // to (a prune there must not run on a partial view), as when the repository's tags could not be read.
  const failedTargets = new Set(
    changes
      .filter((c) => c.source !== null && failedSource.has(`${c.mirror}\0${c.source.repository}`))
      .map((c) => `${c.mirror}\0${c.target.endpoint}\0${c.target.repository}`),
  );
  return changes.filter(
    (c) =>
      !(c.source !== null && failedSource.has(`${c.mirror}\0${c.source.repository}`)) &&
      !failedTargets.has(`${c.mirror}\0${c.target.endpoint}\0${c.target.repository}`),
  );
}

/**
 * The plan with its referrer changes: each after its image's change, one change per target repository and digest
 * (two tags of one image share their referrers: they travel with the first), the summary counted again (a
 * referrer create is a create), warnings for referrers a platforms subset leaves behind, and the repositories whose
 * referrers could not be listed left out and named in `failures`.
 */
export function addReferrerChanges(plan: Plan, facts: ReferrerFacts, mirrors: ReadonlySet<string> = new Set()): Plan {
  const byImage = new Map(facts.images.map((image) => [image.image, image]));
  const seen = new Set<string>();
  const changes: Change[] = [];
  for (const change of withoutFailed(plan.changes, facts.failures)) {
    const found = byImage.get(change.id);
    if (found === undefined) {
      changes.push(change);
      continue;
    }
    const image: Change =
      found.dropped > 0
        ? {
            ...change,
            warnings: [
              ...(change.warnings ?? []),
              `${found.dropped} referrer(s) of the source index ${change.source!.digest} cannot follow the platforms subset (a new index digest); the kept children's referrers do`,
            ],
          }
        : change;
    changes.push(image);
    const present = new Set(found.present);
    for (const referrer of found.referrers) {
      const made = referrerChange(image, referrer, present.has(referrer.digest));
      if (seen.has(made.id)) continue;
      seen.add(made.id);
      changes.push(made);
    }
  }
  const failures = [...(plan.failures ?? []), ...facts.failures];
  const kept = withoutOwnFallbackTags(changes, facts.images, mirrors);
  return {
    ...plan,
    changes: kept,
    summary: summarize({ changes: kept, skipped: plan.skipped }),
    stats: { ...plan.stats, referrerListings: facts.listings, ...withReferrerPulls(plan.stats.rateLimits, kept) },
    ...(failures.length > 0 ? { failures } : {}),
  };
}

/**
 * The pull budget the planner estimated (stats.rateLimits) counts the image changes only: each referrer create
 * adds 2 manifest GETs at its source host (apply reads it once to check its subject, once to copy it).
 */
function withReferrerPulls(limits: PlanStats['rateLimits'], changes: readonly Change[]): Pick<PlanStats, 'rateLimits'> {
  if (limits === undefined) return {};
  const added: Record<string, number> = {};
  for (const change of changes) {
    if (change.subject === undefined || change.action !== 'create') continue;
    const host = sourceHost(change);
    if (host !== null && limits[host] !== undefined) added[host] = (added[host] ?? 0) + 2;
  }
  return {
    rateLimits: Object.fromEntries(
      Object.entries(limits).map(([host, limit]) => [host, { ...limit, needed: limit.needed + (added[host] ?? 0) }]),
    ),
  };
}

/**
 * Without the copies of a source's `sha256-<hex>` fallback tags that the referrer changes stand for: in a mirror
 * that carries referrers, when the source listed a subject's referrers by that tag (no referrers API there, as on
 * Distribution 2.8), its entries are the referrer changes of the plan, and apply writes the destination's tag
 * itself (the source's index byte for byte when it lists exactly the referrers copied, else merged in, other
 * writers' entries kept). Copying the source's index as a tag as well would show a signature added upstream twice
 * (the referrer and the tag) and could undo the merge. Other `sha256-` tags (a source with the referrers API or an
 * OCI layout, whose tag may list other entries; a subject the plan does not carry) are copied as tags, and noops
 * and deletes stay as planned.
 */
function withoutOwnFallbackTags(changes: Change[], images: readonly ImageReferrerFacts[], mirrors: ReadonlySet<string>): Change[] {
  const byId = new Map(changes.map((c) => [c.id, c]));
  const own = new Set<string>();
  for (const facts of images) {
    const image = byId.get(facts.image);
    if (image === undefined || !mirrors.has(image.mirror)) continue;
    for (const subject of facts.fallbackSubjects ?? [])
      own.add(`${image.mirror}\0${image.target.endpoint}\0${image.target.repository}\0${subject.replace(':', '-')}`);
  }
  if (own.size === 0) return changes;
  return changes.filter(
    (c) =>
      !(
        (c.action === 'create' || c.action === 'update') &&
        c.subject === undefined &&
        c.target.tag !== null &&
        own.has(`${c.mirror}\0${c.target.endpoint}\0${c.target.repository}\0${c.target.tag}`)
      ),
  );
}

/** The referrer changes of each image change id, in plan order. */
export function referrersByImage(changes: readonly Change[]): Map<string, Change[]> {
  const out = new Map<string, Change[]>();
  for (const change of changes) {
    if (change.referrerOf === undefined) continue;
    const list = out.get(change.referrerOf);
    if (list === undefined) out.set(change.referrerOf, [change]);
    else list.push(change);
  }
  return out;
}
