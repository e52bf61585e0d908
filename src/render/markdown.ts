import type { Change, Plan } from '../plan/types.js';
import type { RenderOptions } from './options.js';
import { day, footer, mirrorViews, reasonText, shortDigest, skippedCounts, unchangedCount } from './plan-view.js';
import type { MirrorView } from './plan-view.js';

export type { RenderOptions };

/** Table cell text: pipes would end the cell and `<` could open HTML (a semver range has both). */
function cell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function code(text: string): string {
  return `\`${text.replaceAll('|', '\\|')}\``;
}

const SYMBOL: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', noop: '=' };

function row(change: Change): string {
  const digest = change.source?.digest ?? change.target.digest;
  const created = change.source?.created ?? null;
  const notes = [
    reasonText(change.reason),
    ...(change.action === 'update' && change.target.digest !== null ? [`was ${shortDigest(change.target.digest)}`] : []),
    ...(change.warnings ?? []),
  ];
  return `| ${SYMBOL[change.action]} ${change.action} | ${code(change.target.ref)} | ${change.source === null ? '' : code(change.source.ref)} | ${digest === null ? '' : code(shortDigest(digest))} | ${created === null ? '' : day(created)} | ${cell(notes.join('; '))} |`;
}

function mirrorSection(view: MirrorView, options: RenderOptions): string[] {
  const lines = [`### Mirror \`${view.mirror}\`${view.executor === null ? '' : ` (${view.executor} executor)`}`, ''];
  const rows = view.repositories.flatMap((r) => (options.showUnchanged ? r.all : r.visible));
  const unchanged = view.repositories.flatMap((r) => r.unchanged);
  if (rows.length > 0) {
    lines.push('| Action | Destination | Source | Digest | Created | Notes |', '|---|---|---|---|---|---|', ...rows.map(row), '');
  }
  if (!options.showUnchanged && unchanged.length > 0) lines.push(`${cell(unchangedCount(unchanged))}.`, '');
  if (rows.length === 0 && unchanged.length === 0 && view.skipped.length === 0) lines.push('Nothing selected.', '');
  if (view.skipped.length > 0) {
    // Collapsed: reviewers open it when a tag they expected is missing.
    lines.push(`<details><summary>Skipped ${view.skipped.length} (${skippedCounts(view.skipped)})</summary>`, '');
    lines.push('| Source | Filter | Detail |', '|---|---|---|');
    for (const skipped of view.skipped) lines.push(`| ${code(skipped.ref)} | ${skipped.filter} | ${cell(skipped.detail)} |`);
    lines.push('', '</details>', '');
  }
  return lines;
}

/** The plan as GitHub-flavoured markdown, for a pull-request comment or a job summary. */
export function renderMarkdown(plan: Plan, options: RenderOptions): string {
  const lines = ['## regsync plan', '', `**${footer(plan)}**`, ''];
  for (const view of mirrorViews(plan)) lines.push(...mirrorSection(view, options));
  return `${lines.join('\n').trimEnd()}\n`;
}
