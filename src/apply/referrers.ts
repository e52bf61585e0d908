import type { Change, ReferrerCopy } from '../plan/types.js';
import { canListReferrers, copyImage } from '../registry/index.js';
import type { BlobHolders, CopyShares } from '../registry/index.js';
import { RegsyncError } from '../util/errors.js';
import { maintainFallbackIndexes, presentByDigest } from './fallback-index.js';
import type { ExecutionContext } from './types.js';

/**
 * Carries a change's referrers after its subject landed: each referrer byte for byte by digest (a referrer of a
 * referrer after the one it refers to), the `sha256-<hex>` fallback index kept up to date at a destination without
 * the referrers API, then the proof: listed at the destination as a client would, every referrer found at the
 * source must be there (`referrers of <ref>: N/N present`), or the change fails naming the missing digests.
 */
export async function copyReferrers(change: Change, context: ExecutionContext, holders: BlobHolders, shares: CopyShares): Promise<number> {
  const referrers = change.referrers ?? [];
  if (referrers.length === 0) return 0;
  const { source, target, signal } = context;
  let bytes = 0;
  for (const referrer of referrers) {
    const result = await copyImage({
      source: source.registry,
      sourceRepository: source.repository,
      sourceReference: referrer.digest,
      target: target.registry,
      targetRepository: target.repository,
      targetTag: referrer.digest,
      signal,
      holders,
      shares,
    });
    bytes += result.bytesCopied;
  }
  const bySubject = new Map<string, ReferrerCopy[]>();
  for (const referrer of referrers) bySubject.set(referrer.subject, [...(bySubject.get(referrer.subject) ?? []), referrer]);
  const registry = target.registry;
  if (!canListReferrers(registry)) throw new RegsyncError(`${registry.name} cannot list referrers`, { code: 'UNSUPPORTED' });
  // The first listing tells whether the destination has the API (remembered for the run); without it, the fallback tags.
  const [firstSubject] = bySubject.keys();
  const probe = await registry.listReferrers(target.repository, firstSubject!, { signal });
  // Subjects whose fallback tag the plan copies as the source has it: counted present when stored by digest.
  const owned = probe.source === 'fallback-tag' ? await maintainFallbackIndexes(context, bySubject) : new Set<string>();
  const missing: string[] = [];
  for (const [subject, expected] of bySubject) {
    let present: Set<string>;
    if (owned.has(subject)) {
      const proof = await presentByDigest(context, subject, expected);
      if (proof.warning !== null) context.progress.warning(proof.warning);
      present = proof.present;
    } else present = new Set((await registry.listReferrers(target.repository, subject, { signal })).referrers.map((r) => r.digest));
    for (const referrer of expected) if (!present.has(referrer.digest)) missing.push(referrer.digest);
  }
  const ref = change.target.ref;
  context.progress.output(`referrers of ${ref}: ${referrers.length - missing.length}/${referrers.length} present`);
  if (missing.length > 0) {
    throw new RegsyncError(
      `referrers of ${ref}: ${referrers.length - missing.length}/${referrers.length} present after the copy; missing ${missing.join(', ')}`,
      { code: 'REGISTRY', host: registry.name, repository: target.repository },
    );
  }
  return bytes;
}
