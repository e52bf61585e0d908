import { createExecutors } from '../apply/executors/index.js';
import { watchInterrupts } from '../apply/interrupts.js';
import { digestRef, resolveChanges } from '../apply/locations.js';
import type { ResolvedChange } from '../apply/locations.js';
import { runApply } from '../apply/run.js';
import { applyExitCode, summarizeResults, summaryLine } from '../apply/summary.js';
import type { RendererName } from '../apply/tasks.js';
import type { ApplyResult, Executor } from '../apply/types.js';
import type { Config } from '../config/types.js';
import { hasChanges } from '../plan/summary.js';
import type { Change, ExecutorName, Plan } from '../plan/types.js';
import { ContentMemo } from '../registry/content-memo.js';
import type { RateLimitSource, RegistryPool } from '../registry/types.js';
import { confirmApply } from './confirm.js';
import { obtainPlan, printPlan } from './apply-plan.js';
import type { ApplyPlanOptions } from './apply-plan.js';
import { createPoolForConfig, retryLines } from './registry-pool.js';
import type { CliIo } from './shared.js';

/** Everything `regsync apply` was asked, flags resolved. */
export interface ApplyCommandOptions extends ApplyPlanOptions {
  yes: boolean;
  dryRun: boolean;
  concurrency: number;
  failFast: boolean;
  /** --docker PATH, else $DOCKER, else `docker`. */
  dockerBinary: string;
  secrets: string[];
}

const actionable = (plan: Plan): Change[] => plan.changes.filter((change) => change.action !== 'noop');

function emptyResult(plan: Plan, version: string): ApplyResult {
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

/** --dry-run: the exact operations, one per line, from the same Change objects apply would execute. */
function dryRunLines(changes: Change[], executors: ReadonlyMap<ExecutorName, Executor>): string[] {
  const lines = changes.flatMap((change) => {
    if (change.action === 'delete') {
      const digest = change.target.digest ?? '';
      return [`delete ${digestRef(change.target, digest)} (tag ${change.target.tag ?? ''}; only if no other tag points at it)`];
    }
    return executors.get(change.executor)?.describe(change) ?? [];
  });
  return ['Operations (dry run: nothing is changed):', ...lines.map((line) => `  ${line}`)];
}

function rendererFor(options: ApplyCommandOptions, io: CliIo): RendererName {
  if (options.json || options.quiet) return 'silent';
  return io.stderr.isTTY === true && io.stdout.isTTY === true ? 'default' : 'simple';
}

async function execute(run: OpenRun, plan: Plan, options: ApplyCommandOptions, io: CliIo) {
  const renderer = rendererFor(options, io);
  const interrupts = watchInterrupts(io.signals ?? process, {
    onInterrupt: (count) => {
      if (renderer === 'default') return;
      io.stderr.write(
        count === 1
          ? 'regsync: interrupted: no new changes start; in-flight copies stop within 10 s (Ctrl-C again: now)\n'
          : 'regsync: interrupted again: stopping now\n',
      );
    },
  });
  try {
    return await runApply({
      plan,
      changes: run.changes,
      executors: run.executors,
      rateLimitReached: (location) => run.pool.rateLimitReached(location),
      concurrency: options.concurrency,
      failFast: options.failFast,
      interrupts,
      tree: { renderer, stream: io.stderr },
      regsyncVersion: options.version,
      secrets: () => options.secrets,
      warn: (line) => void io.stderr.write(`regsync: warning: ${line}\n`),
    });
  } finally {
    interrupts.dispose();
  }
}

function report(result: ApplyResult, options: ApplyCommandOptions, io: CliIo): number {
  for (const change of result.changes) {
    if (change.status === 'failed' || change.status === 'stale')
      io.stderr.write(`regsync: ${change.status}: ${change.error ?? change.id}\n`);
  }
  if (options.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  (options.json ? io.stderr : io.stdout).write(`${summaryLine(result.summary, result.interrupted)}\n`);
  return applyExitCode(result.summary, result.interrupted);
}

/** The run's clients: one pool for every change, the resolved changes, the executors the copies use. */
interface OpenRun {
  pool: RegistryPool & RateLimitSource;
  changes: ResolvedChange[];
  executors: Map<ExecutorName, Executor>;
}

function openRun(config: Config, options: ApplyCommandOptions, io: CliIo, plan: Plan, memo: ContentMemo): OpenRun {
  const line = (text: string): void => void io.stderr.write(`${text}\n`);
  const pool = createPoolForConfig(config, {
    env: io.env,
    memo,
    ...(options.verbose ? { logger: line } : {}),
    ...retryLines(options.quiet, line),
  });
  const changes = resolveChanges(config, pool, actionable(plan));
  const names = changes.filter((r) => r.change.action !== 'delete').map((r) => r.change.executor);
  const warn = (line: string): void => void io.stderr.write(`regsync: warning: ${line}\n`);
  const executors = createExecutors(names, { config, env: io.env, pool, warn, dockerBinary: options.dockerBinary });
  return { pool, changes, executors };
}

/** `regsync apply [PLAN.json]`: obtain and show the plan, confirm, carry it out, report; the exit code. */
export async function runApplyCommand(config: Config, options: ApplyCommandOptions, io: CliIo): Promise<number> {
  // The manifests and configs the plan reads are the ones the copies need: read once (registry/content-memo.ts).
  const memo = new ContentMemo();
  const plan = await obtainPlan(config, options, io, memo);
  if (plan === null) return 1;
  printPlan(plan, options, io);
  if (!hasChanges(plan)) {
    if (options.json) io.stdout.write(`${JSON.stringify(emptyResult(plan, options.version), null, 2)}\n`);
    return 0;
  }
  const run = openRun(config, options, io, plan, memo);
  const { pool, executors } = run;
  try {
    if (options.dryRun) {
      (options.json ? io.stderr : io.stdout).write(
        `${dryRunLines(actionable(plan), executors).join('\n')}\nDry run: nothing was changed.\n`,
      );
      return 0;
    }
    if (options.planFile === null && !(await confirmApply(io, options.yes))) {
      // As terraform: anything but `yes` (also Ctrl-C or end of input at the question) changes nothing.
      (options.json ? io.stderr : io.stdout).write('Apply cancelled.\n');
      return 1;
    }
    return report(await execute(run, plan, options, io), options, io);
  } finally {
    await pool.close();
  }
}
