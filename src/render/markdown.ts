import { summarize } from '../plan/summary.js';
import type { Change, Plan } from '../plan/types.js';
import type { RenderOptions } from './options.js';
import { shortDigest } from '../oci/index.js';
import { day, failureLines, footer, mirrorViews, reasonText, skippedCounts, unchangedCount } from './plan-view.js';
import type { MirrorView, RepositoryView } from './plan-view.js';
import { pullBudgetLines } from './pull-budget.js';
import { referrerKinds, referrerLines } from './referrers.js';

export type { RenderOptions };

/** Table cell text: pipes would end the cell and `<` could open HTML (a semver range has both). */
function cell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function code(text: string): string {
  return `\`${text.replaceAll('|', '\\|')}\``;
}

const SYMBOL: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', noop: '=' };

function row(change: Change, referrers: readonly Change[] = []): string {
  const digest = change.source?.digest ?? change.target.digest;
  const created = change.source?.created ?? null;
  const notes = [
    reasonText(change.reason),
    ...(change.action === 'update' && change.target.digest !== null ? [`was ${shortDigest(change.target.digest)}`] : []),
    ...(change.warnings ?? []),
    ...referrerLines(referrers, false).map((line) => line.text),
  ];
  return `| ${SYMBOL[change.action]} ${change.action} | ${code(change.target.ref)} | ${change.source === null ? '' : code(change.source.ref)} | ${digest === null ? '' : code(shortDigest(digest))} | ${created === null ? '' : day(created)} | ${cell(notes.join('; '))} |`;
}

function mirrorSection(view: MirrorView, options: RenderOptions): string[] {
  const lines = [`### Mirror \`${view.mirror}\`${view.executor === null ? '' : ` (${view.executor} executor)`}`, ''];
  const rows = view.repositories.flatMap((r) =>
    (options.showUnchanged ? r.images : r.visible).map((change) => row(change, r.referrers.get(change.id))),
  );
  const unchanged = view.repositories.flatMap((r) => r.unchanged);
  if (rows.length > 0) {
    lines.push('| Action | Destination | Source | Digest | Created | Notes |', '|---|---|---|---|---|---|', ...rows, '');
  }
  if (!options.showUnchanged && unchanged.length > 0) lines.push(`${cell(unchangedCount(unchanged))}.`, '');
  const referrers = referrerCounts(view);
  if (referrers !== null) lines.push(referrers, '');
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

/**
 * `Referrers: 2 to create (1 signature (...), 1 sbom (...)), 3 unchanged.` for a mirror whose plan has referrer
 * changes; `1 to delete (...)` too when some go with a pruned image.
 */
function referrerCounts(view: MirrorView): string | null {
  const all = view.repositories.flatMap((r) => [...r.referrers.values()].flat());
  if (all.length === 0) return null;
  const created = all.filter((r) => r.action === 'create');
  const deleted = all.filter((r) => r.action === 'delete');
  const what = created.length > 0 ? ` (${referrerKinds(created)})` : '';
  const gone = deleted.length > 0 ? `, ${deleted.length} to delete (${referrerKinds(deleted)})` : '';
  return cell(`Referrers: ${created.length} to create${what}${gone}, ${all.length - created.length - deleted.length} unchanged.`);
}

/**
 * Most characters a Markdown plan may have. GitHub refuses comments over 65,536 characters; the margin leaves
 * room for a heading or a link a workflow adds around the plan.
 */
export const MARKDOWN_LIMIT = 60_000;

/** Per host that sent rate-limit headers: the pulls apply needs against what remains, and a warning if short. */
function pullBudgetSection(plan: Plan): string[] {
  const budgets = pullBudgetLines(plan);
  if (budgets.length === 0) return [];
  const lines = budgets.map((budget) => `- ${cell(budget.line)}`);
  const warnings = budgets.flatMap((budget) => (budget.warning === null ? [] : [`> **Warning:** ${cell(budget.warning)}`, '']));
  return ['Rate limits:', '', ...lines, '', ...warnings];
}

/** The repositories that could not be read, before the changes: a reviewer must know the plan is partial. */
function failureSection(plan: Plan): string[] {
  const failed = failureLines(plan);
  if (failed === null) return [];
  return [`### ${failed.heading}`, '', ...failed.lines.map((line) => `- ${cell(line)}`), ''];
}

function document(plan: Plan, notice: string[], sections: string[]): string {
  const lines = [
    '## regsync plan',
    '',
    `**${footer(plan)}**`,
    '',
    ...failureSection(plan),
    ...pullBudgetSection(plan),
    ...notice,
    ...sections,
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The plan as GitHub-flavoured markdown, for a pull-request comment or a job summary; folded beyond MARKDOWN_LIMIT. */
export function renderMarkdown(plan: Plan, options: RenderOptions): string {
  const views = mirrorViews(plan);
  const full = document(
    plan,
    [],
    views.flatMap((view) => mirrorSection(view, options)),
  );
  return full.length <= MARKDOWN_LIMIT ? full : renderFolded(plan, views, full.length);
}

/**
 * Each repository's list becomes one row of counts, inside <details>. If even that is too long (thousands of
 * repositories), each mirror shows its first rows and counts the rest, halving the rows until it fits.
 */
function renderFolded(plan: Plan, views: MirrorView[], fullLength: number): string {
  const notice = [
    `> This plan is too large for one comment (${fullLength.toLocaleString('en-US')} characters), so each repository's changes are folded into counts. The full plan is in the JSON (\`regsync plan -o plan.json\`; in CI, the plan.json artifact).`,
    '',
  ];
  let maxRows = Math.max(1, ...views.map((view) => view.repositories.length));
  for (;;) {
    const text = document(
      plan,
      notice,
      views.flatMap((view) => foldedSection(view, maxRows)),
    );
    if (text.length <= MARKDOWN_LIMIT || maxRows === 1) return text;
    maxRows = Math.max(1, Math.floor(maxRows / 2));
  }
}

function counts(changes: Change[]): [number, number, number, number] {
  const s = summarize({ changes, skipped: [] });
  return [s.create, s.update, s.delete, s.noop];
}

function countsText(changes: Change[]): string {
  const [create, update, remove, noop] = counts(changes);
  return `${create} to create, ${update} to update, ${remove} to delete, ${noop} unchanged`;
}

function foldedRow(repository: RepositoryView): string {
  return `| ${code(repository.repository)} | ${counts(repository.all).join(' | ')} |`;
}

function foldedSection(view: MirrorView, maxRows: number): string[] {
  const lines = [`### Mirror \`${view.mirror}\`${view.executor === null ? '' : ` (${view.executor} executor)`}`, ''];
  const repositories = view.repositories;
  if (repositories.length > 0) {
    const all = repositories.flatMap((r) => r.all);
    const plural = repositories.length === 1 ? 'repository' : 'repositories';
    lines.push(`<details><summary>${repositories.length} ${plural}: ${countsText(all)}</summary>`, '');
    lines.push('| Repository | Create | Update | Delete | Unchanged |', '|---|---|---|---|---|');
    lines.push(...repositories.slice(0, maxRows).map(foldedRow));
    const hidden = repositories.slice(maxRows);
    if (hidden.length > 0) lines.push(`| … and ${hidden.length} more repositories | ${counts(hidden.flatMap((r) => r.all)).join(' | ')} |`);
    lines.push('', '</details>', '');
  }
  if (view.skipped.length > 0) lines.push(`Skipped ${view.skipped.length} (${skippedCounts(view.skipped)}).`, '');
  if (repositories.length === 0 && view.skipped.length === 0) lines.push('Nothing selected.', '');
  return lines;
}
