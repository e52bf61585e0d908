import type { Plan, PlanSummary } from './types.js';

/** Counts per action, and the skipped entries. */
export function summarize(plan: Pick<Plan, 'changes' | 'skipped'>): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, delete: 0, noop: 0, skipped: plan.skipped.length };
  for (const change of plan.changes) summary[change.action] += 1;
  return summary;
}

/** true when applying the plan would change the destination: any create, update or delete. */
export function hasChanges(plan: Pick<Plan, 'changes'>): boolean {
  return plan.changes.some((change) => change.action !== 'noop');
}
