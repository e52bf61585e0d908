import { digestAfterApply } from './landing.js';
import type { Change } from './types.js';

/**
 * The digests that stay in each destination repository after apply, from every mirror's changes: the current
 * digest of each tag that is not deleted, and the digest each change leaves there (digestAfterApply).
 */
function keptDigests(changes: Change[]): Map<string, Set<string>> {
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

/**
 * Registries delete manifests by digest, so a delete takes every tag of that digest with it. Mirrors can share a
 * destination repository, so this applies across all of them: a delete whose digest another kept tag points at,
 * now or after apply, becomes a reported noop `digest-shared-with-kept-tag`.
 */
export function spareSharedDigests(changes: Change[]): Change[] {
  const kept = keptDigests(changes);
  return changes.map((change) => {
    if (change.action !== 'delete' || change.target.digest === null) return change;
    const repository = change.target.repository;
    if (kept.get(repository)?.has(change.target.digest) !== true) return change;
    return { ...change, action: 'noop', reason: 'digest-shared-with-kept-tag' };
  });
}
