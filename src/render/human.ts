import { Chalk } from 'chalk';
import type { ChalkInstance } from 'chalk';
import type { Action, Change, Plan } from '../plan/types.js';
import type { RenderOptions } from './options.js';
import { changeDetails, failureLines, footer, mirrorViews, skippedCounts, unchangedCount } from './plan-view.js';
import type { MirrorView } from './plan-view.js';
import { pullBudgetLines } from './pull-budget.js';
import { referrerLines } from './referrers.js';

export type { RenderOptions };

const SYMBOL: Record<Exclude<Action, 'noop'>, string> = { create: '+', update: '~', delete: '-' };

function paint(chalk: ChalkInstance, action: Action, text: string): string {
  if (action === 'create') return chalk.green(text);
  if (action === 'update') return chalk.yellow(text);
  if (action === 'delete') return chalk.red(text);
  return chalk.dim(text);
}

function changeLine(chalk: ChalkInstance, change: Change): string {
  const head = change.action === 'noop' ? '  unchanged' : `${SYMBOL[change.action]} ${change.action}`;
  const from = change.source === null ? '' : `  ← ${change.source.ref}`;
  return `    ${paint(chalk, change.action, `${head} ${change.target.ref}`)}${from} ${chalk.dim(changeDetails(change))}`;
}

function legend(plan: Plan): string[] {
  const used = (['create', 'update', 'delete'] as const).filter((action) => plan.changes.some((c) => c.action === action));
  if (used.length === 0) return [];
  return ['Actions are shown with these symbols:', ...used.map((action) => `  ${SYMBOL[action]} ${action}`), ''];
}

function mirrorLines(chalk: ChalkInstance, view: MirrorView, options: RenderOptions): string[] {
  const lines = [chalk.bold(`Mirror ${view.mirror}${view.executor === null ? '' : ` (${view.executor} executor)`}`)];
  for (const repository of view.repositories) {
    const listed = options.showUnchanged ? repository.images : repository.visible;
    if (listed.length === 0) {
      // Only unchanged tags here: one line, so a large up-to-date mirror stays short.
      lines.push(`  ${repository.repository}: ${unchangedCount(repository.unchanged)}`);
      continue;
    }
    lines.push(`  ${repository.repository}`);
    for (const change of listed) {
      lines.push(changeLine(chalk, change));
      for (const warning of change.warnings ?? []) lines.push(`        ${chalk.yellow(`! ${warning}`)}`);
      // Under their image: what is created, and with --show-unchanged what is already there.
      for (const line of referrerLines(repository.referrers.get(change.id) ?? [], options.showUnchanged))
        lines.push(`        ${paint(chalk, line.action, line.text)}`);
    }
    if (!options.showUnchanged && repository.unchanged.length > 0) lines.push(chalk.dim(`    ${unchangedCount(repository.unchanged)}`));
  }
  if (view.skipped.length > 0) {
    if (options.showSkipped) {
      lines.push(`  Skipped ${view.skipped.length}:`);
      for (const skipped of view.skipped) lines.push(chalk.dim(`    × ${skipped.ref}  ${skipped.filter}: ${skipped.detail}`));
    } else {
      lines.push(chalk.dim(`  Skipped ${view.skipped.length}: ${skippedCounts(view.skipped)}`));
    }
  }
  return lines;
}

/** The terraform-like plan for a person: legend, per mirror and repository one line per change, footer. */
export function renderHuman(plan: Plan, options: RenderOptions): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const lines = [...legend(plan)];
  for (const view of mirrorViews(plan)) lines.push(...mirrorLines(chalk, view, options), '');
  const failed = failureLines(plan);
  if (failed !== null) lines.push(chalk.red.bold(`${failed.heading}:`), ...failed.lines.map((line) => chalk.red(`  ✗ ${line}`)), '');
  lines.push(chalk.bold(footer(plan)));
  for (const budget of pullBudgetLines(plan)) {
    lines.push(budget.line);
    if (budget.warning !== null) lines.push(chalk.yellow(`! ${budget.warning}`));
  }
  return `${lines.join('\n')}\n`;
}
