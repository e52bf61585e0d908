import type { Plan, PlanRateLimit } from '../plan/types.js';
import { formatSeconds } from '../util/duration.js';

/** One host's line under the plan's footer, and the warning when apply needs more pulls than remain. */
export interface PullBudgetLine {
  line: string;
  warning: string | null;
}

function pulls(count: number): string {
  if (count === 0) return 'no manifest pulls';
  return `about ${count} manifest pull${count === 1 ? '' : 's'}`;
}

/** `76 of 100 remain in this 6h window`, with what the host left unsaid left out. */
function remainingText(budget: PlanRateLimit): string {
  const of = budget.limit === null ? '' : ` of ${budget.limit}`;
  const window = budget.windowSeconds === null ? ' in the current window' : ` in this ${formatSeconds(budget.windowSeconds)} window`;
  return `${budget.remaining}${of} remain${window}`;
}

function warningText(host: string, budget: PlanRateLimit): string {
  const reset = budget.windowSeconds === null ? 'the limit resets' : `the ${formatSeconds(budget.windowSeconds)} window resets`;
  return (
    `${host}: apply needs ${pulls(budget.needed)} but only ${budget.remaining} ${budget.remaining === 1 ? 'remains' : 'remain'}: ` +
    `it stops starting changes there when none remain (they fail with "rate limit reached"); ` +
    `run apply again after ${reset} to complete them, or log in for a higher limit`
  );
}

/**
 * `docker.io: apply needs about 40 manifest pulls; 76 of 100 remain in this 6h window`, per host that sent
 * rate-limit headers while planning (plan.stats.rateLimits, computed by the planner).
 */
export function pullBudgetLines(plan: Plan): PullBudgetLine[] {
  return Object.entries(plan.stats.rateLimits ?? {}).map(([host, budget]) => ({
    line: `${host}: apply needs ${pulls(budget.needed)}; ${remainingText(budget)}`,
    warning: budget.needed > budget.remaining ? warningText(host, budget) : null,
  }));
}
