import { referrerTagSubject } from './legacy-cosign.js';
import { digestLocationRef } from './refs.js';
import { keptDigests } from './shared-digests.js';
import { summarize } from './summary.js';
import type { Change, Plan, ReadFailure, ReferrerCopy } from './types.js';

/**
 * With `prune: true`, a referrer whose subject is deleted goes with it (issue 16): a signature left behind by digest
 * refers to nothing any more, and once its fallback tag is pruned too no client can even find it. The inventory lists
 * the destination's referrers of each digest prune really deletes (pruneSubjects), recursively; this pure step makes
 * each a `delete` change by digest, unless its digest stays in the repository for another reason.
 */

/** What the destination lists as referrers of one deleted image (each after its subject, recursively). */
export interface PrunedReferrerFacts {
  /** The id of the image's delete change. */
  image: string;
  referrers: ReferrerCopy[];
}

export interface PrunedReferrersFacts {
  images: PrunedReferrerFacts[];
  /** Destination listings made: counted with the source's in the footer's `referrers: N listings`. */
  listings: number;
  /** Destination repositories whose referrers could not be listed: their changes are left out (no partial prune). */
  failures: ReadFailure[];
}

/**
 * The tag deletes whose digest's referrers go with them: prune's deletes of tags in a mirror that copies referrers
 * and prunes, as they stand after spareSharedDigests (a digest a kept tag shares is no delete any more). A fallback
 * tag or a legacy cosign tag is a referrer list or a signature, not an image: its own referrers are not listed.
 */
export function pruneSubjects(plan: Pick<Plan, 'changes'>, mirrors: ReadonlySet<string>): Change[] {
  return plan.changes.filter(
    (change) =>
      mirrors.has(change.mirror) &&
      change.action === 'delete' &&
      change.subject === undefined &&
      change.target.tag !== null &&
      change.target.digest !== null &&
      referrerTagSubject(change.target.tag) === null,
  );
}

/** The delete of one referrer of a deleted image: named by its digest in the image's repository. */
export function referrerDeleteChange(image: Change, referrer: ReferrerCopy): Change {
  const { target } = image;
  const ref = digestLocationRef(target.endpoint, target.repository, referrer.digest);
  return {
    id: `${image.mirror}:${ref}`,
    mirror: image.mirror,
    action: 'delete',
    reason: 'not-in-selection',
    executor: image.executor,
    source: null,
    target: {
      ref,
      endpoint: target.endpoint,
      repository: target.repository,
      tag: null,
      digest: referrer.digest,
      configDigest: null,
    },
    subject: referrer.subject,
    artifactType: referrer.artifactType,
    referrerOf: image.id,
  };
}

const repositoryKey = (mirror: string, target: { endpoint: string; repository: string }): string =>
  `${mirror}\0${target.endpoint}\0${target.repository}`;

/**
 * The plan with a delete change for each referrer of a deleted image, placed just before the image's delete (apply
 * runs a repository's deletes in plan order: should the image's delete fail, the next plan deletes it again; the
 * other way round, a referrer whose delete failed would be left with no subject to find it by), the deepest first.
 * A referrer is deleted only when its subject is (the image, or a referrer deleted before it) and its digest does not
 * stay in the repository: the digest of a kept tag, or a referrer a kept image carries (keptDigests). The summary
 * counts them as deletes. Repositories whose referrers could not be listed lose all their changes, as a read failure.
 */
export function addPrunedReferrers(plan: Plan, facts: PrunedReferrersFacts): Plan {
  if (facts.images.length === 0 && facts.failures.length === 0) return plan;
  const failed = new Set(facts.failures.map((f) => `${f.mirror}\0${f.host}\0${f.repository}`));
  const remaining = plan.changes.filter((c) => !failed.has(repositoryKey(c.mirror, c.target)));
  const kept = keptDigests(remaining);
  // A digest a tag delete removes anyway needs no delete of its own.
  const deletedByTag = new Set(
    remaining
      .filter((c) => c.action === 'delete' && c.target.digest !== null)
      .map((c) => `${repositoryKey(c.mirror, c.target)}\0${c.target.digest}`),
  );
  const byImage = new Map(facts.images.map((image) => [image.image, image.referrers]));
  const seen = new Set<string>();
  const changes: Change[] = [];
  for (const change of remaining) {
    const referrers = byImage.get(change.id);
    if (referrers !== undefined && change.action === 'delete' && change.target.digest !== null) {
      const keptHere = kept.get(change.target.repository);
      const going = new Set([change.target.digest]);
      const made: Change[] = [];
      for (const referrer of referrers) {
        if (!going.has(referrer.subject) || keptHere?.has(referrer.digest) === true) continue;
        going.add(referrer.digest);
        const referrerDelete = referrerDeleteChange(change, referrer);
        if (seen.has(referrerDelete.id) || deletedByTag.has(`${repositoryKey(change.mirror, change.target)}\0${referrer.digest}`)) continue;
        seen.add(referrerDelete.id);
        made.push(referrerDelete);
      }
      changes.push(...made.reverse());
    }
    changes.push(change);
  }
  const failures = [...(plan.failures ?? []), ...facts.failures];
  return {
    ...plan,
    changes,
    summary: summarize({ changes, skipped: plan.skipped }),
    stats: { ...plan.stats, referrerListings: (plan.stats.referrerListings ?? 0) + facts.listings },
    ...(failures.length > 0 ? { failures } : {}),
  };
}
