import { shortDigest } from '../oci/index.js';
import { compareStrings } from '../util/compare.js';
import { referrersByImage } from '../plan/referrers.js';
import { hasChanges, summarize } from '../plan/summary.js';
import { legacyCosignTag } from '../plan/legacy-cosign.js';
import type { Change, ChangeReason, Plan, SkipFilter, Skipped } from '../plan/types.js';

/** One destination repository of a mirror, with its changes in plan order. */
export interface RepositoryView {
  repository: string;
  /** Every change, in plan order (by tag), referrer changes included (what counts count). */
  all: Change[];
  /** The changes of tags (no referrer changes), in plan order. */
  images: Change[];
  /** Tag changes shown by default: every one but a noop, and a noop image with referrers to create (they show under it). */
  visible: Change[];
  /** The other tag changes: unchanged. */
  unchanged: Change[];
  /** Referrer changes by the id of their image's change, each listed under its image. */
  referrers: Map<string, Change[]>;
}

/** A mirror as shown: its repositories, then what it skipped. */
export interface MirrorView {
  mirror: string;
  executor: string | null;
  repositories: RepositoryView[];
  skipped: Skipped[];
}

/** Order the legend and the skipped counts follow: the order of the Plan JSON enums. */
const FILTER_ORDER: readonly SkipFilter[] = [
  'include',
  'exclude',
  'semver',
  'platform',
  'maxAge',
  'minAge',
  'latest',
  'date-unknown',
  'subject',
];

/** Groups the (already sorted) plan by mirror and destination repository; re-derives no decision. */
export function mirrorViews(plan: Plan): MirrorView[] {
  const names = [...new Set([...plan.changes.map((c) => c.mirror), ...plan.skipped.map((s) => s.mirror)])].sort(compareStrings);
  return names.map((mirror) => {
    const changes = plan.changes.filter((c) => c.mirror === mirror);
    const repositories = new Map<string, RepositoryView>();
    const referrers = referrersByImage(changes);
    for (const change of changes) {
      const repository = `${change.target.endpoint}/${change.target.repository}`;
      const view: RepositoryView = repositories.get(repository) ?? {
        repository,
        all: [],
        images: [],
        visible: [],
        unchanged: [],
        referrers: new Map<string, Change[]>(),
      };
      view.all.push(change);
      repositories.set(repository, view);
      if (change.referrerOf !== undefined) continue;
      view.images.push(change);
      const own = referrers.get(change.id) ?? [];
      if (own.length > 0) view.referrers.set(change.id, own);
      const shown = change.action !== 'noop' || own.some((referrer) => referrer.action !== 'noop');
      (shown ? view.visible : view.unchanged).push(change);
    }
    return {
      mirror,
      executor: changes[0]?.executor ?? null,
      repositories: [...repositories.values()],
      skipped: plan.skipped.filter((s) => s.mirror === mirror),
    };
  });
}

/** "2 semver, 1 exclude" in FILTER_ORDER. */
export function skippedCounts(skipped: Skipped[]): string {
  return FILTER_ORDER.map((filter) => [filter, skipped.filter((s) => s.filter === filter).length] as const)
    .filter(([, count]) => count > 0)
    .map(([filter, count]) => `${count} ${filter}`)
    .join(', ');
}

const REASON_TEXT: Record<ChangeReason, string> = {
  'missing-in-destination': 'missing in destination',
  'content-differs': 'content differs',
  'up-to-date': 'up to date',
  'overwrite-disabled': 'differs, overwrite disabled',
  'not-in-selection': 'not in selection',
  'digest-shared-with-kept-tag': 'kept: digest shared with a kept tag',
  'referrer-of-kept-tag': 'kept: refers to a kept tag',
};

export function reasonText(reason: ChangeReason): string {
  return REASON_TEXT[reason];
}

/** "3 unchanged" or "3 unchanged (1 differs, overwrite disabled)" when some noops are not plainly up to date. */
export function unchangedCount(unchanged: Change[]): string {
  const notable = (Object.keys(REASON_TEXT) as ChangeReason[])
    .filter((reason) => reason !== 'up-to-date')
    .map((reason) => [reason, unchanged.filter((c) => c.reason === reason).length] as const)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${count} ${REASON_TEXT[reason]}`);
  return `${unchanged.length} unchanged${notable.length > 0 ? ` (${notable.join(', ')})` : ''}`;
}

/** The UTC day of an ISO date (never the local zone: the same plan renders the same everywhere). */
export function day(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(0, 10);
}

/** `(sha256:abcd1234, created 2024-03-05)` details of a change's source, or of the target for a delete. */
export function changeDetails(change: Change): string {
  const parts: string[] = [];
  if (change.source !== null) {
    parts.push(shortDigest(change.source.digest));
    if (change.source.created !== null) parts.push(`created ${day(change.source.created)}`);
    if (change.action === 'update' && change.target.digest !== null) parts.push(`was ${shortDigest(change.target.digest)}`);
    if (change.action === 'noop') parts.push(reasonText(change.reason));
    const legacy = change.target.tag === null ? null : legacyCosignTag(change.target.tag);
    if (legacy !== null) parts.push(`cosign ${legacy.kind} of ${shortDigest(legacy.subject)}`);
  } else {
    if (change.target.digest !== null) parts.push(shortDigest(change.target.digest));
    parts.push(reasonText(change.reason));
  }
  return `(${parts.join(', ')})`;
}

/** The footer line of every human rendering. */
export function footer(plan: Plan): string {
  const cost = referrersCost(plan);
  if (!hasChanges(plan)) return 'No changes. The destination is up to date.' + cost;
  const s = summarize(plan);
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.noop} unchanged.` + cost;
}

/** What referrers cost, on a line of its own, only when a mirror copies referrers (the plan then counts its listings). */
function referrersCost(plan: Plan): string {
  if (plan.stats.referrerListings === undefined) return '';
  const toCopy = plan.changes.filter((change) => change.referrerOf !== undefined && change.action === 'create').length;
  return `\nreferrers: ${plan.stats.referrerListings} listings, ${toCopy} to copy`;
}

/** "Failed to read 1 repository:" then one line per repository that could not be read (host, repository, cause). */
export function failureLines(plan: Plan): { heading: string; lines: string[] } | null {
  const failures = plan.failures ?? [];
  if (failures.length === 0) return null;
  const heading = `Failed to read ${failures.length} ${failures.length === 1 ? 'repository' : 'repositories'}`;
  return {
    heading,
    lines: failures.map((failure) => `${failure.host}/${failure.repository} (mirror ${failure.mirror}): ${failure.error}`),
  };
}
