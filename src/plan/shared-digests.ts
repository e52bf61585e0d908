import { digestAfterApply } from './landing.js';
import { referrerTagSubject } from './legacy-cosign.js';
import { summarize } from './summary.js';
import type { Change, Plan } from './types.js';

/**
 * The digests that stay in each destination repository after apply, from every mirror's changes: the current
 * digest of each tag that is not deleted and the digest each change leaves there (digestAfterApply); a referrer
 * change (create or noop) is such a change by digest, so a fallback tag of a signature, listing an attestation of
 * it, stays with it.
 */
export function keptDigests(changes: readonly Change[]): Map<string, Set<string>> {
  const kept = new Map<string, Set<string>>();
  const keep = (repository: string, digest: string | null): void => {
    if (digest === null) return;
    const digests = kept.get(repository) ?? new Set<string>();
    digests.add(digest);
    kept.set(repository, digests);
  };
  for (const change of changes) {
    if (change.action === 'delete') continue;
    keep(change.target.repository, change.target.digest);
    keep(change.target.repository, digestAfterApply(change));
  }
  return kept;
}

/** A delete prune must not make, as the noop it becomes instead; null when the delete stands. */
function spared(change: Change, kept: ReadonlySet<string> | undefined): Change | null {
  if (kept === undefined) return null;
  if (change.target.digest !== null && kept.has(change.target.digest))
    return { ...change, action: 'noop', reason: 'digest-shared-with-kept-tag' };
  const subject = change.target.tag === null ? null : referrerTagSubject(change.target.tag);
  if (subject !== null && kept.has(subject)) return { ...change, action: 'noop', reason: 'referrer-of-kept-tag' };
  return null;
}

/**
 * Registries delete manifests by digest, so a delete takes every tag of that digest with it. Mirrors can share a
 * destination repository, so this applies across all of them: a delete whose digest another kept tag points at,
 * now or after apply, becomes a reported noop `digest-shared-with-kept-tag`. Likewise a fallback tag
 * `sha256-<hex>` or a legacy cosign tag (`.sig`, `.att`, `.sbom`) whose subject stays (the digest of a kept tag)
 * becomes a noop `referrer-of-kept-tag`, whatever tool wrote it: pruning it would drop the image's signatures.
 * Each spared tag's digest is kept in turn, so this repeats until no delete changes (each round spares one or more).
 */
export function spareSharedDigests(changes: Change[]): Change[] {
  let current = changes;
  for (;;) {
    const kept = keptDigests(current);
    let changed = false;
    current = current.map((change) => {
      if (change.action !== 'delete') return change;
      const noop = spared(change, kept.get(change.target.repository));
      if (noop === null) return change;
      changed = true;
      return noop;
    });
    if (!changed) return current;
  }
}

/**
 * The plan again through spareSharedDigests once its referrer changes were added (they are listed at the source
 * after the planner decided): a fallback tag whose subject is a referrer copied is kept too. Only ever turns
 * deletes into noops; the summary follows. The same plan when nothing changes.
 */
export function spareAfterReferrers(plan: Plan): Plan {
  const changes = spareSharedDigests(plan.changes);
  if (changes.every((change, i) => change === plan.changes[i])) return plan;
  return { ...plan, changes, summary: summarize({ changes, skipped: plan.skipped }) };
}
