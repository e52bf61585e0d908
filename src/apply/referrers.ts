import { referrerCopy, referrersByImage, tagsCopiedIn } from '../plan/referrers.js';
import type { Change, Plan, ReferrerCopy } from '../plan/types.js';
import { canListReferrers } from '../registry/index.js';
import { RegsyncError } from '../util/errors.js';
import { maintainFallbackIndexes, mergeFallbackIndex, presentByDigest } from './fallback-index.js';
import type { ResolvedChange } from './locations.js';
import type { ChangeProgress, ChangeResult, ExecutionContext, ImageReferrersResult } from './types.js';

/**
 * The proof that an image's referrers arrived (issue 16). Referrer changes are copied like any change (by digest,
 * after their image: same source repository, so same lane, in plan order); after the last of an image's referrer
 * changes in this run, the `sha256-<hex>` fallback index is kept up to date at a destination without the referrers
 * API, then the destination is listed as a client would list it: every referrer the plan names for the image
 * (created now or already there) must be listed (`referrers of <ref>: N/N present`), or that change fails naming
 * the missing digests.
 */
export class ReferrerProofs {
  /** Every referrer change of an image in the plan (creates and noops), by the image change's id. */
  private readonly groups: Map<string, Change[]>;
  /** The image change id → the id of its last referrer change this run carries out. */
  private readonly lastOf = new Map<string, string>();
  private readonly refs = new Map<string, string>();
  readonly images: ImageReferrersResult[] = [];
  /** Whether the plan copies a tag as a tag into a repository: a fallback tag so copied is its tag change's. */
  private readonly tagsCopied: ReturnType<typeof tagsCopiedIn>;
  /** An image delete's id → the referrer deletes of this run that go before it (prune). */
  private readonly prunedWith = new Map<string, Change[]>();

  constructor(plan: Plan, changes: readonly ResolvedChange[]) {
    // A referrer deleted with its pruned image has nothing to prove: only copied referrers (creates and noops) count.
    this.groups = referrersByImage(plan.changes.filter((change) => change.action !== 'delete'));
    this.tagsCopied = tagsCopiedIn(plan);
    for (const { change } of changes) {
      if (change.referrerOf === undefined) continue;
      if (change.action !== 'delete') this.lastOf.set(change.referrerOf, change.id);
      else this.prunedWith.set(change.referrerOf, [...(this.prunedWith.get(change.referrerOf) ?? []), change]);
    }
    for (const change of plan.changes) if (this.groups.has(change.id)) this.refs.set(change.id, change.target.ref);
  }

  /**
   * Why a referrer change must not start: its image's change in this run did not land (failed, stale or never
   * started), so its subject may be missing at the destination. null: it may start.
   */
  blockedBy(change: Change, results: ReadonlyMap<string, ChangeResult>): string | null {
    // An image delete waits for its referrers' deletes (they run first, in its lane): one that did not land would
    // be left with nothing to find it by (its subject and fallback tag gone), so the image stays for the next plan.
    if (change.action === 'delete' && change.referrerOf === undefined) {
      const left = (this.prunedWith.get(change.id) ?? []).find((referrer) => {
        const status = results.get(referrer.id)?.status;
        return status !== 'done' && status !== 'present';
      });
      if (left === undefined) return null;
      return `not started: its referrer ${left.target.digest ?? left.id} was not deleted (${results.get(left.id)?.status ?? 'not run'})`;
    }
    // A referrer pruned with its image runs before the image's delete (the deleter checks that delete will stand).
    if (change.referrerOf === undefined || change.action === 'delete') return null;
    const image = results.get(change.referrerOf);
    if (image === undefined || image.status === 'done' || image.status === 'present') return null;
    return `not started: its image ${this.refs.get(change.referrerOf) ?? change.referrerOf} was not copied (${image.status})`;
  }

  /** After a change ran: the last referrer change of an image proves the image's referrers; its result says how that went. */
  async after(resolved: ResolvedChange, result: ChangeResult, progress: ChangeProgress, signal: AbortSignal): Promise<ChangeResult> {
    const { change } = resolved;
    const image = change.referrerOf;
    if (image === undefined || this.lastOf.get(image) !== change.id || result.status === 'skipped' || signal.aborted) return result;
    const ref = this.refs.get(image) ?? image.slice(change.mirror.length + 1);
    try {
      const expected = (this.groups.get(image) ?? [change]).map(referrerCopy);
      const tagsCopied = { has: (tag: string) => this.tagsCopied(change.target, tag) };
      const missing = await prove(resolved, expected, signal, progress, tagsCopied);
      const present = expected.length - missing.length;
      this.images.push({ ref, referrers: { expected: expected.length, present } });
      progress.output(`referrers of ${ref}: ${present}/${expected.length} present`);
      if (missing.length === 0 || result.status === 'failed') return result;
      return {
        ...result,
        status: 'failed',
        error: `referrers of ${ref}: ${present}/${expected.length} present after the copy; missing ${missing.join(', ')}`,
      };
    } catch (error) {
      if (result.status === 'failed') return result;
      const why = error instanceof Error ? error.message : String(error);
      return { ...result, status: 'failed', error: `referrers of ${ref}: cannot list them at the destination: ${why}` };
    }
  }
}

/** Keeps the destination's fallback indexes up to date (no referrers API there), then lists it: the digests missing. */
async function prove(
  resolved: ResolvedChange,
  expected: ReferrerCopy[],
  signal: AbortSignal,
  progress: ChangeProgress,
  tagsCopied: Pick<ReadonlySet<string>, 'has'>,
): Promise<string[]> {
  const { source, target } = resolved;
  const registry = target.registry;
  if (!canListReferrers(registry)) throw new RegsyncError(`${registry.name} cannot list referrers`, { code: 'UNSUPPORTED' });
  const bySubject = new Map<string, ReferrerCopy[]>();
  for (const referrer of expected) bySubject.set(referrer.subject, [...(bySubject.get(referrer.subject) ?? []), referrer]);
  // The first listing tells whether the destination has the API (remembered for the run); without it (a registry,
  // or an OCI layout, which lists by index.json and keeps the fallback tag too), the fallback tags are kept here.
  const [firstSubject] = bySubject.keys();
  const probe = await registry.listReferrers(target.repository, firstSubject!, { signal });
  const keepsFallback = probe.source !== 'api';
  const context: ExecutionContext | null = source === null ? null : { signal, progress, source, target, tagsCopied };
  // Each subject's fallback index written at once and settled together; a subject whose fallback tag the plan copies
  // as a tag (the source's own, byte for byte) is left to that tag change and counted present when stored by digest.
  const owned = keepsFallback && context !== null ? await maintainFallbackIndexes(context, bySubject) : new Set<string>();
  const listedSubjects = new Map([...bySubject].filter(([subject]) => !owned.has(subject)));
  let missing = await unlisted(resolved, listedSubjects, signal);
  if (missing.size > 0 && keepsFallback) {
    // Another writer replaced the index after our read-back (one that copies its source's index without merging):
    // merge ours in once more, then prove.
    for (const [subject, listed] of listedSubjects) {
      const lost = listed.filter((referrer) => missing.has(referrer.digest));
      if (lost.length > 0) await mergeFallbackIndex(registry, target.repository, subject, lost, signal);
    }
    missing = await unlisted(resolved, listedSubjects, signal);
  }
  for (const subject of owned) {
    const expectedOfSubject = bySubject.get(subject) ?? [];
    const proof = await presentByDigest(context!, subject, expectedOfSubject);
    if (proof.warning !== null) progress.warning(proof.warning);
    for (const referrer of expectedOfSubject) if (!proof.present.has(referrer.digest)) missing.add(referrer.digest);
  }
  return [...missing];
}

/** The digests the destination does not list under their subject. */
async function unlisted(resolved: ResolvedChange, bySubject: Map<string, ReferrerCopy[]>, signal: AbortSignal): Promise<Set<string>> {
  const registry = resolved.target.registry;
  if (!canListReferrers(registry)) throw new RegsyncError(`${registry.name} cannot list referrers`, { code: 'UNSUPPORTED' });
  const missing = new Set<string>();
  for (const [subject, wanted] of bySubject) {
    const listing = await registry.listReferrers(resolved.target.repository, subject, { signal });
    const present = new Set(listing.referrers.map((r) => r.digest));
    for (const referrer of wanted) if (!present.has(referrer.digest)) missing.add(referrer.digest);
  }
  return missing;
}
