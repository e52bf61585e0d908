/**
 * The one place serve reaches the plan/apply pipeline. Today it calls the functions `regsync plan` and `apply` use
 * (src/commands); when the run composition moves to src/run/ (planRun/applyRun, no terminal I/O), only this file
 * is repointed. Everything serve needs back comes through `PipelineOutcome` and `PipelineObserver`.
 */
import { createExecutors } from '../apply/executors/index.js';
import { watchInterrupts } from '../apply/interrupts.js';
import type { SignalSource } from '../apply/interrupts.js';
import { resolveChanges } from '../apply/locations.js';
import { runApply } from '../apply/run.js';
import type { ApplyResult } from '../apply/types.js';
import { computeReportedPlan } from '../commands/plan-run.js';
import { createPoolForConfig } from '../commands/registry-pool.js';
import type { Config } from '../config/types.js';
import type { Shard } from '../plan/shard.js';
import type { Plan } from '../plan/types.js';
import { ContentMemo } from '../registry/content-memo.js';
import type { RetryNotice } from '../registry/retry-notice.js';
import type { RateLimit, RequestStats } from '../registry/types.js';

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
  /** One line of log (warnings, plan problems). */
  log: (line: string) => void;
  observe: PipelineObserver;
}

/** plan null: the plan could not be made (its problems were logged); result null: nothing was applied. */
export interface PipelineOutcome {
  plan: Plan | null;
  result: ApplyResult | null;
}

/** A stream that hands whole lines to `log`. */
function lineStream(log: (line: string) => void): { write(chunk: string): boolean } {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') log(line.replace(/^regsync: /, ''));
      return true;
    },
  };
}

/** Plans, then (unless plan-only) applies exactly that plan, like `regsync apply --yes`, with a fresh pool each time. */
export async function planAndApply(config: Config, options: PipelineOptions): Promise<PipelineOutcome> {
  const memo = new ContentMemo();
  const stderr = lineStream(options.log);
  const plan = await computeReportedPlan(
    config,
    {
      version: options.version,
      mirrors: options.mirrors,
      json: false,
      out: null,
      format: 'human',
      detailedExitcode: false,
      showUnchanged: false,
      showSkipped: false,
      verbose: false,
      quiet: false,
      color: false,
      shard: options.shard,
      memo,
      observe: { retry: (notice) => options.observe.retry(notice), requests: (stats) => options.observe.requests(stats) },
    },
    { stdout: { write: () => true }, stderr, env: options.env, cwd: options.cwd },
  );
  if (plan !== null && plan.stats.rateLimits) options.observe.rateLimits(plan.stats.rateLimits);
  const actionable = plan?.changes.filter((change) => change.action !== 'noop') ?? [];
  if (plan === null || options.planOnly || actionable.length === 0) return { plan, result: null };
  if (options.stopping()) {
    options.log(`stopping: the plan's ${actionable.length} change(s) are not applied`);
    return { plan, result: null };
  }

  const pool = createPoolForConfig(config, { env: options.env, memo, onRetry: (notice) => options.observe.retry(notice) });
  const interrupts = watchInterrupts(options.signals);
  try {
    const changes = resolveChanges(config, pool, actionable);
    const names = changes.filter((r) => r.change.action !== 'delete').map((r) => r.change.executor);
    const warn = (line: string): void => options.log(`warning: ${line}`);
    const executors = createExecutors(names, { config, env: options.env, pool, warn, dockerBinary: options.dockerBinary });
    const result = await runApply({
      plan,
      changes,
      executors,
      rateLimitReached: (location) => pool.rateLimitReached(location),
      concurrency: options.concurrency,
      failFast: false,
      interrupts,
      tree: { renderer: 'silent', stream: stderr },
      regsyncVersion: options.version,
      secrets: options.secrets,
      warn,
    });
    return { plan, result };
  } finally {
    interrupts.dispose();
    options.observe.requests(pool.stats());
    options.observe.rateLimits(pool.rateLimits());
    await pool.close();
  }
}
