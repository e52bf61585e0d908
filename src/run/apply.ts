import { createExecutors } from '../apply/executors/index.js';
import type { Interrupts } from '../apply/interrupts.js';
import { resolveChanges } from '../apply/locations.js';
import type { ResolvedChange } from '../apply/locations.js';
import { deleteOperation } from '../apply/operations.js';
import type { Operation } from '../apply/operations.js';
import { runApply } from '../apply/run.js';
import { summarizeResults } from '../apply/summary.js';
import type { TaskTreeOptions } from '../apply/tasks.js';
import type { ApplyResult, Executor } from '../apply/types.js';
import type { ExecutorName } from '../config/types.js';
import type { Change, Plan } from '../plan/types.js';
import type { RateLimitSource, RegistryPool } from '../registry/index.js';
import type { PoolEvents, RunContext } from './context.js';

/** What carrying out a plan needs besides the plan: the run, the docker CLI, where its words go. */
export interface ApplyRunDeps {
  context: RunContext;
  /** --docker PATH, else $DOCKER, else `docker`. */
  dockerBinary: string;
  events: ApplyRunEvents;
}

export interface ApplyRunEvents extends PoolEvents {
  /** A line for the user about the run (a removal docker refused, a change's warning); never stdout. */
  warn: (line: string) => void;
  /** A plain line about the run on stderr (the docker executor says how it reaches the engine). */
  info?: (line: string) => void;
}

/** A plan ready to run: its changes resolved against the config (a plan it cannot carry out is refused whole). */
export interface PreparedApply {
  plan: Plan;
  changes: ResolvedChange[];
  executors: Map<ExecutorName, Executor>;
  pool: RegistryPool & RateLimitSource;
  warn: (line: string) => void;
}

const actionable = (plan: Plan): Change[] => plan.changes.filter((change) => change.action !== 'noop');

/** The result of a plan with nothing to change. */
export function emptyResult(plan: Plan, version: string): ApplyResult {
  return {
    formatVersion: 1,
    regsyncVersion: version,
    configDigest: plan.configDigest,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    interrupted: false,
    changes: [],
    summary: summarizeResults([]),
  };
}

/** Opens the run's copy pool, resolves every change and creates the executors the copies use; nothing runs yet. */
export function prepareApply(plan: Plan, deps: ApplyRunDeps): PreparedApply {
  const { context } = deps;
  const pool = context.openPool({
    ...(deps.events.log ? { log: deps.events.log } : {}),
    ...(deps.events.onRetry ? { onRetry: deps.events.onRetry } : {}),
  });
  const changes = resolveChanges(context.config, pool, actionable(plan));
  const names = changes.filter((r) => r.change.action !== 'delete').map((r) => r.change.executor);
  const executors = createExecutors(names, {
    config: context.config,
    env: context.env,
    pool,
    warn: deps.events.warn,
    ...(deps.events.info ? { info: deps.events.info } : {}),
    dockerBinary: deps.dockerBinary,
    copyState: { holders: context.holders, shares: context.shares },
  });
  return { plan, changes, executors, pool, warn: deps.events.warn };
}

/** The operations the run would carry out, in plan order: deletes and each executor's own, as values (--dry-run). */
export function plannedOperations(prepared: PreparedApply): Operation[] {
  return prepared.changes.flatMap(({ change }) =>
    change.action === 'delete' ? [deleteOperation(change)] : (prepared.executors.get(change.executor)?.describe(change) ?? []),
  );
}

export interface ApplyRunOptions {
  concurrency: number;
  failFast: boolean;
  /** Interrupts the command watches (Ctrl-C): no new change starts, in-flight copies stop. */
  interrupts: Interrupts;
  /** The task tree: its renderer and the stream it draws on. */
  tree: TaskTreeOptions;
  /** regsync's version, recorded in the result. */
  version: string;
  secrets: () => Iterable<string>;
}

/** Carries out a prepared plan: the result as data. The pool is the run's (RunContext.close closes it). */
export function applyRun(prepared: PreparedApply, options: ApplyRunOptions): Promise<ApplyResult> {
  return runApply({
    plan: prepared.plan,
    changes: prepared.changes,
    executors: prepared.executors,
    rateLimitReached: (location) => prepared.pool.rateLimitReached(location),
    concurrency: options.concurrency,
    failFast: options.failFast,
    interrupts: options.interrupts,
    tree: options.tree,
    regsyncVersion: options.version,
    secrets: options.secrets,
    warn: prepared.warn,
  });
}
