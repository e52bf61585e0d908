import { watchInterrupts } from '../apply/interrupts.js';
import { formatOperation } from '../apply/operations.js';
import type { Operation } from '../apply/operations.js';
import { applyExitCode, summaryLine } from '../apply/summary.js';
import type { RendererName } from '../apply/tasks.js';
import type { ApplyResult } from '../apply/types.js';
import type { Config } from '../config/types.js';
import { hasChanges } from '../plan/summary.js';
import type { Plan } from '../plan/types.js';
import { formatRetryNotice } from '../registry/index.js';
import type { RetryNotice } from '../registry/index.js';
import { applyRun, emptyResult, plannedOperations, prepareApply } from '../run/index.js';
import type { PreparedApply, RunContext } from '../run/index.js';
import { confirmApply } from './confirm.js';
import { obtainPlan, printPlan } from './apply-plan.js';
import type { ApplyPlanOptions } from './apply-plan.js';
import { openCommandRun, reportReadFailures } from './plan-run.js';
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

/** --dry-run: the exact operations, one per line, from the same operation values apply would carry out. */
function dryRunLines(operations: Operation[]): string[] {
  return ['Operations (dry run: nothing is changed):', ...operations.map((operation) => `  ${formatOperation(operation)}`)];
}

function rendererFor(options: ApplyCommandOptions, io: CliIo): RendererName {
  if (options.json || options.quiet) return 'silent';
  return io.stderr.isTTY === true && io.stdout.isTTY === true ? 'default' : 'simple';
}

async function execute(prepared: PreparedApply, options: ApplyCommandOptions, io: CliIo): Promise<ApplyResult> {
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
    return await applyRun(prepared, {
      concurrency: options.concurrency,
      failFast: options.failFast,
      interrupts,
      tree: { renderer, stream: io.stderr },
      version: options.version,
      secrets: () => options.secrets,
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

/** The copies' pool, changes and executors, with the command's lines: debug with --verbose, retries unless -q, warnings. */
function prepare(plan: Plan, context: RunContext, options: ApplyCommandOptions, io: CliIo): PreparedApply {
  const line = (text: string): void => void io.stderr.write(`${text}\n`);
  return prepareApply(plan, {
    context,
    dockerBinary: options.dockerBinary,
    events: {
      ...(options.verbose ? { log: line } : {}),
      ...(options.quiet ? {} : { onRetry: (notice: RetryNotice) => line(formatRetryNotice(notice)) }),
      warn: (text) => line(`regsync: warning: ${text}`),
      info: line,
    },
  });
}

/** `regsync apply [PLAN.json]`: obtain and show the plan, confirm, carry it out, report; the exit code. */
export async function runApplyCommand(config: Config, options: ApplyCommandOptions, io: CliIo): Promise<number> {
  // One run for the plan and its copies: the manifests and configs the plan reads are the ones the copies need, read
  // once (registry/content-memo.ts); the run's pools close when it ends.
  const context = openCommandRun(config, options, io);
  try {
    const plan = await obtainPlan(config, options, io, context);
    if (plan === null) return 1;
    printPlan(plan, options, io);
    if (!hasChanges(plan)) {
      if (options.json) io.stdout.write(`${JSON.stringify(emptyResult(plan, options.version), null, 2)}\n`);
      return reportReadFailures(plan, io) ? 1 : 0;
    }
    const prepared = prepare(plan, context, options, io);
    if (options.dryRun) {
      (options.json ? io.stderr : io.stdout).write(
        `${dryRunLines(plannedOperations(prepared)).join('\n')}\nDry run: nothing was changed.\n`,
      );
      return 0;
    }
    if (options.planFile === null && !(await confirmApply(io, options.yes))) {
      // As terraform: anything but `yes` (also Ctrl-C or end of input at the question) changes nothing.
      (options.json ? io.stderr : io.stdout).write('Apply cancelled.\n');
      return 1;
    }
    const code = report(await execute(prepared, options, io), options, io);
    // The changes the plan has are carried out; the repositories it could not read still fail the run.
    return reportReadFailures(plan, io) ? 1 : code;
  } finally {
    await context.close();
  }
}
