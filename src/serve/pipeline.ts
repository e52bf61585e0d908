/**
 * The one place serve reaches the plan/apply pipeline: a run of src/run (planRun, then prepareApply/applyRun of
 * exactly that plan) in a run context of its own, opened and closed by each cycle, so nothing a cycle holds (pools,
 * tokens, credentials, CA files, in-flight maps) reaches the next. Everything serve needs back comes through
 * `PipelineOutcome` and `PipelineObserver`.
 */
import { watchInterrupts } from '../apply/interrupts.js';
import type { SignalSource } from '../apply/interrupts.js';
import type { ApplyResult } from '../apply/types.js';
import type { Config } from '../config/types.js';
import type { Shard } from '../plan/shard.js';
import type { Plan } from '../plan/types.js';
import type { RateLimit, RequestStats, RetryNotice } from '../registry/index.js';
import { applyRun, clockFromEnv, openRunContext, planRun, prepareApply } from '../run/index.js';
import type { RunContext } from '../run/index.js';
import type { ServeLog } from './log.js';

export interface PipelineObserver {
  retry(notice: RetryNotice): void;
  requests(stats: RequestStats): void;
  rateLimits(limits: Record<string, Pick<RateLimit, 'remaining'>>): void;
}

export interface PipelineOptions {
  version: string;
  mirrors: string[];
  shard: Shard | null;
  concurrency: number;
  planOnly: boolean;
  dockerBinary: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The config's secrets, hidden from every message. */
  secrets: () => Iterable<string>;
  /** SIGTERM/SIGINT for apply's interrupt handling (no new change, in-flight copies get 10 s). */
  signals: SignalSource;
  /** True once serve is stopping: a plan finished after that is not applied (no new change starts). */
  stopping: () => boolean;
  /** Aborted when serve stops: a plan still reading ends early (its reads are cancelled). */
  stopSignal?: AbortSignal;
  /** serve's log (warnings, plan problems). */
  log: ServeLog;
  observe: PipelineObserver;
}

/** plan null: the plan could not be made (its problems were logged); result null: nothing was applied. */
export interface PipelineOutcome {
  plan: Plan | null;
  result: ApplyResult | null;
}

/** A stream that hands whole lines to `log`. */
function lineStream(log: ServeLog): { write(chunk: string): boolean } {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') log.info(line.replace(/^regsync: /, ''), { event: 'apply-output' });
      return true;
    },
  };
}

/** The cycle's plan, its warnings and problems logged; null when there are problems (as `regsync plan` fails). */
async function planCycle(config: Config, options: PipelineOptions, context: RunContext): Promise<Plan | null> {
  const { plan, problems, warnings } = await planRun(
    config,
    {
      version: options.version,
      mirrors: options.mirrors,
      shard: options.shard,
      context,
      ...(options.stopSignal ? { signal: options.stopSignal } : {}),
      events: {
        onRetry: (notice) => options.observe.retry(notice),
        onReadsDone: (stats) => options.observe.requests(stats),
      },
    },
    clockFromEnv(options.env),
  );
  for (const warning of warnings) options.log.warn(`warning: ${warning}`, { event: 'warning', warning });
  if (problems.length === 0) return plan;
  for (const problem of problems) options.log.error(problem, { event: 'plan-problem', problem });
  options.log.error(`no plan: ${problems.length} problem${problems.length === 1 ? '' : 's'} to fix first`, { event: 'no-plan', problems });
  return null;
}

/** Plans, then (unless plan-only) applies exactly that plan, like `regsync apply --yes`, in a run of its own. */
export async function planAndApply(config: Config, options: PipelineOptions): Promise<PipelineOutcome> {
  const context = openRunContext(config, { env: options.env });
  try {
    const plan = await planCycle(config, options, context);
    if (plan !== null && plan.stats.rateLimits) options.observe.rateLimits(plan.stats.rateLimits);
    const actionable = plan?.changes.filter((change) => change.action !== 'noop') ?? [];
    if (plan === null || options.planOnly || actionable.length === 0) return { plan, result: null };
    if (options.stopping()) {
      options.log.warn(`stopping: the plan's ${actionable.length} change(s) are not applied`, {
        event: 'apply-skipped',
        changes: actionable.length,
      });
      return { plan, result: null };
    }
    const warn = (line: string): void => options.log.warn(`warning: ${line}`, { event: 'warning', warning: line });
    const prepared = prepareApply(plan, {
      context,
      dockerBinary: options.dockerBinary,
      events: { onRetry: (notice) => options.observe.retry(notice), warn, info: (line) => options.log.info(line, { event: 'apply-info' }) },
    });
    const interrupts = watchInterrupts(options.signals);
    try {
      const result = await applyRun(prepared, {
        concurrency: options.concurrency,
        failFast: false,
        interrupts,
        tree: { renderer: 'silent', stream: lineStream(options.log) },
        version: options.version,
        secrets: options.secrets,
      });
      return { plan, result };
    } finally {
      interrupts.dispose();
      options.observe.requests(prepared.pool.stats());
      options.observe.rateLimits(prepared.pool.rateLimits());
    }
  } finally {
    await context.close();
  }
}
