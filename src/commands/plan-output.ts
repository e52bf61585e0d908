import type { Plan } from '../plan/types.js';
import { renderHuman } from '../render/human.js';
import { renderMarkdown } from '../render/markdown.js';
import { footer } from '../render/plan-view.js';
import { pullBudgetLines } from '../render/pull-budget.js';

// What `plan` and `apply` print of a plan once it is computed: apart from plan-run.ts, which `regsync plan` loads
// before its first request, so that these (chalk among them) load while the registries answer. (plan-run.ts
// imports this file, so the shapes it needs of plan-run's options and streams are written here.)

/** How the plan is shown (PlanRunOptions has these). */
export interface PlanTextOptions {
  format: 'human' | 'markdown';
  color: boolean;
  showUnchanged: boolean;
  showSkipped: boolean;
}

/** Where it is written (PlanRunIo has these). */
export interface PlanOutputIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

export { renderJsonChunks } from '../render/json.js';

/** The plan as text, human or markdown. */
export function renderPlanText(plan: Plan, options: PlanTextOptions): string {
  const renderOptions = { color: options.color, showUnchanged: options.showUnchanged, showSkipped: options.showSkipped };
  return options.format === 'markdown' ? renderMarkdown(plan, renderOptions) : renderHuman(plan, renderOptions);
}

/** The plan's pull-budget warnings on stderr, for output that has no footer to show them in (--json, -q). */
export function writePullBudgetWarnings(plan: Plan, io: PlanOutputIo): void {
  for (const { warning } of pullBudgetLines(plan)) if (warning !== null) io.stderr.write(`regsync: warning: ${warning}\n`);
}

/** The warnings each change carries, on stderr, for output that does not show the changes (-q). */
export function writeChangeWarnings(plan: Plan, io: PlanOutputIo): void {
  for (const change of plan.changes) {
    for (const warning of change.warnings ?? []) io.stderr.write(`regsync: warning: ${change.target.ref}: ${warning}\n`);
  }
}

/** -q: the warnings the plan carries (on stderr, like every warning) and its final `Plan: ...` line, nothing else. */
export function writeQuietPlan(plan: Plan, io: PlanOutputIo): void {
  writeChangeWarnings(plan, io);
  io.stdout.write(`${footer(plan)}\n`);
}
