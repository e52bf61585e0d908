/**
 * A run outside the commands: plan (pool, facts cache, inventory, planner) and apply (pool, executors) composed with
 * no terminal I/O. Commands parse flags, print, confirm and pick exit codes; everything here returns data and tells
 * what happens through the callbacks it is given.
 */
export { applyRun, emptyResult, plannedOperations, prepareApply } from './apply.js';
export type { ApplyRunDeps, ApplyRunEvents, ApplyRunOptions, PreparedApply } from './apply.js';
export { clockFromEnv } from './clock.js';
export type { Clock } from './clock.js';
export { openRunContext, RunContext } from './context.js';
export type { PoolEvents, RunContextOptions } from './context.js';
export { planRun, selectMirrors } from './plan.js';
export type { PlanRunEvents, PlanRunOptions, PlanRunResult } from './plan.js';
export { createPoolForConfig, hostOptionsFromConfig } from './pool.js';
export { checkSavedPruneScope } from './saved-plan-scope.js';
