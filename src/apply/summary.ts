import type { ApplySummary, ChangeResult } from './types.js';

/** Counts of what happened: created/updated/deleted count only changes that are done. */
export function summarizeResults(results: readonly ChangeResult[]): ApplySummary {
  const summary: ApplySummary = { created: 0, updated: 0, deleted: 0, failed: 0, present: 0, stale: 0, skipped: 0 };
  for (const result of results) {
    if (result.status === 'done') {
      if (result.action === 'create') summary.created += 1;
      else if (result.action === 'update') summary.updated += 1;
      else if (result.action === 'delete') summary.deleted += 1;
    } else summary[result.status] += 1;
  }
  return summary;
}

/**
 * The last line of every apply: `Apply complete: 3 created, 1 updated, 0 deleted, 0 failed.` Changes already
 * present, stale and skipped are added (`, 10 already present, 1 stale, 2 skipped`) only when there are any, so a
 * clean run prints exactly that line.
 */
export function summaryLine(summary: ApplySummary, interrupted: boolean): string {
  const counts = [`${summary.created} created`, `${summary.updated} updated`, `${summary.deleted} deleted`, `${summary.failed} failed`];
  if (summary.present > 0) counts.push(`${summary.present} already present`);
  if (summary.stale > 0) counts.push(`${summary.stale} stale`);
  if (summary.skipped > 0) counts.push(`${summary.skipped} skipped`);
  return `Apply ${interrupted ? 'interrupted' : 'complete'}: ${counts.join(', ')}.`;
}

/** 0 when every change is done or already present, 130 after an interrupt, 1 when any failed, went stale or never started. */
export function applyExitCode(summary: ApplySummary, interrupted: boolean): number {
  if (interrupted) return 130;
  return summary.failed + summary.stale + summary.skipped > 0 ? 1 : 0;
}
