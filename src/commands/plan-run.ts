import path from 'node:path';
import type { Config } from '../config/types.js';
import type { InventoryEvent } from '../inventory/types.js';
import type { Shard } from '../plan/shard.js';
import { hasChanges } from '../plan/summary.js';
import type { Plan } from '../plan/types.js';
import { formatRetryNotice } from '../registry/index.js';
import type { RequestStats, RetryNotice } from '../registry/index.js';
// The plan's side of the run only (not run/index.js): plan must not load apply's executors (execa, listr2).
import { clockFromEnv } from '../run/clock.js';
import { openRunContext } from '../run/context.js';
import type { PoolEvents, RunContext } from '../run/context.js';
import { planRun } from '../run/plan.js';
import type { PlanRunEvents, PlanRunResult } from '../run/plan.js';
import { createProgressLine } from '../util/progress.js';
import { compareStrings } from '../util/compare.js';
import { credentialsSource, runWording } from './error-advice.js';

/** What `regsync plan` needs around a resolved config: flags, streams and environment. */
export interface PlanRunOptions {
  /** regsync's version, recorded in the plan. */
  version: string;
  mirrors: string[];
  json: boolean;
  out: string | null;
  format: 'human' | 'markdown';
  detailedExitcode: boolean;
  showUnchanged: boolean;
  showSkipped: boolean;
  verbose: boolean;
  quiet: boolean;
  /** The decision readGlobals made once: a terminal, no --no-color, no NO_COLOR. */
  color: boolean;
  /** --shard I/N: only the destination repositories of this shard. */
  shard?: Shard | null;
}

export interface PlanRunIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** "14 requests in 0.4 s: 127.0.0.1:5000 GET 5 HEAD 7; 127.0.0.1:5001 GET 2; 2.1 kB downloaded". */
function formatStats(stats: RequestStats, durationMs: number): string {
  const hosts = new Map<string, string[]>();
  for (const [key, count] of Object.entries(stats.byHostAndMethod).sort(([a], [b]) => compareStrings(a, b))) {
    const split = key.lastIndexOf(' ');
    const host = key.slice(0, split);
    hosts.set(host, [...(hosts.get(host) ?? []), `${key.slice(split + 1)} ${count}`]);
  }
  const perHost = [...hosts].map(([host, methods]) => `${host} ${methods.join(' ')}`).join('; ');
  const kilobytes = (stats.bytesDownloaded / 1000).toFixed(1);
  return `${stats.requests} requests in ${(durationMs / 1000).toFixed(1)} s${perHost === '' ? '' : `: ${perHost}`}; ${kilobytes} kB downloaded`;
}

function progressText(counts: Map<string, { done: number; total: number | null; tags: number }>): string {
  const parts = [...counts].map(([mirror, { done, total, tags }]) =>
    total === null ? `${mirror}: listing` : `${mirror}: ${done}/${total} repositories, ${tags} tags`,
  );
  return `Reading registries… ${parts.join(' · ')}`;
}

/** Progress on stderr only for a person at a terminal: a counter line, erased when the reading ends. */
function progressReporter(io: PlanRunIo, options: PlanRunOptions): { onProgress?: (event: InventoryEvent) => void; done: () => void } {
  if (io.stderr.isTTY !== true || options.quiet) return { done: () => undefined };
  const line = createProgressLine(io.stderr);
  const counts = new Map<string, { done: number; total: number | null; tags: number }>();
  return {
    onProgress(event) {
      const entry = counts.get(event.mirror) ?? { done: 0, total: null, tags: 0 };
      if (event.kind === 'repositories') entry.total = event.total;
      if (event.kind === 'repository-done') {
        entry.done = event.done;
        entry.tags += event.tags;
      }
      counts.set(event.mirror, entry);
      line.update(progressText(counts));
    },
    done: () => line.done(),
  };
}

/** The run's callbacks for a plan: retry lines unless -q, client debug lines and the request count with --verbose. */
/** What a command's registry requests tell on stderr: the debug lines with --verbose, the retries unless -q. */
export function commandPoolEvents(options: { verbose: boolean; quiet: boolean }, io: PlanRunIo): PoolEvents {
  const line = (text: string): void => void io.stderr.write(`${text}\n`);
  return {
    ...(options.verbose ? { log: line } : {}),
    ...(options.quiet ? {} : { onRetry: (notice: RetryNotice) => line(formatRetryNotice(notice)) }),
  };
}

function planEvents(options: PlanRunOptions, io: PlanRunIo): PlanRunEvents {
  const line = (text: string): void => void io.stderr.write(`${text}\n`);
  const progress = progressReporter(io, options);
  return {
    ...commandPoolEvents(options, io),
    ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
    onReadsDone: (stats, durationMs) => {
      progress.done();
      if (options.verbose) line(`regsync: ${formatStats(stats, durationMs)}`);
    },
  };
}

/** The run of a command: its pools, memo and caches, with the command's wording of where credentials come from. */
export function openCommandRun(config: Config, options: { verbose: boolean }, io: PlanRunIo): RunContext {
  const wording = runWording(config);
  return openRunContext(config, {
    env: io.env,
    credentialsSource: (host) => credentialsSource(wording, host),
    ...(options.verbose ? { cacheWarning: (line: string) => void io.stderr.write(`regsync: ${line}\n`) } : {}),
  });
}

/** Gathers the inventory and builds the plan, with the problems (rename errors, collisions...) that make `plan` fail. */
function computePlan(config: Config, options: PlanRunOptions, io: PlanRunIo, context: RunContext): Promise<PlanRunResult> {
  return planRun(
    config,
    { version: options.version, mirrors: options.mirrors, shard: options.shard ?? null, context, events: planEvents(options, io) },
    clockFromEnv(io.env),
  );
}

/**
 * Computes the plan and prints its warnings and problems on stderr (so --json keeps stdout to the output alone);
 * null when there are problems, which make plan and apply fail. Shared by `plan` and `apply`.
 */
export async function computeReportedPlan(
  config: Config,
  options: PlanRunOptions,
  io: PlanRunIo,
  context: RunContext,
): Promise<Plan | null> {
  const { plan, problems, warnings } = await computePlan(config, options, io, context);
  // On stderr, so --json keeps stdout to the plan alone; -q keeps them (only the plan itself is left out).
  for (const warning of warnings) io.stderr.write(`regsync: warning: ${warning}\n`);
  if (problems.length === 0) return plan;
  // Every problem at once, like config errors: fixing them one run at a time would be tedious.
  for (const problem of problems) io.stderr.write(`regsync: ${problem}\n`);
  io.stderr.write(`regsync: no plan: ${problems.length} problem${problems.length === 1 ? '' : 's'} to fix first\n`);
  return null;
}

/** `regsync plan`: compute, print (human, markdown or JSON), optionally save; the exit code. */
export async function runPlan(config: Config, options: PlanRunOptions, io: PlanRunIo): Promise<number> {
  const context = openCommandRun(config, options, io);
  // The renderers (chalk among them) are not needed until the registries have answered: loaded while they are
  // asked, so their loading is not on the way to the first request (issue 17, the no-op plan's start-up).
  const output = import('./plan-output.js');
  output.catch(() => undefined);
  let plan: Plan | null;
  try {
    plan = await computeReportedPlan(config, options, io, context);
  } finally {
    await context.close();
  }
  if (plan === null) return 1;
  const { renderJsonChunks, renderPlanText, writePullBudgetWarnings, writeQuietPlan } = await output;
  if (options.out !== null) {
    // Loaded only with --out: the plan file module also holds the reader and its schema check.
    const { writePlanFile } = await import('../planfile/index.js');
    await writePlanFile(path.resolve(io.cwd, options.out), plan);
  }
  // The footer shows a short pull budget; with --json and -q there is no footer on stdout to show it.
  if (options.json || options.quiet) writePullBudgetWarnings(plan, io);
  if (options.json) for (const chunk of renderJsonChunks(plan)) io.stdout.write(chunk);
  else if (options.quiet) writeQuietPlan(plan, io);
  else io.stdout.write(renderPlanText(plan, options));
  if (options.out !== null && !options.json && !options.quiet) io.stderr.write(`regsync: plan written to ${options.out}\n`);
  if (reportReadFailures(plan, io)) return 1;
  return options.detailedExitcode && hasChanges(plan) ? 2 : 0;
}

/**
 * The source repositories the plan could not read, on stderr (the human plan also lists them): true when there are
 * any, and plan and apply then exit 1 although the rest of the plan stands.
 */
export function reportReadFailures(plan: Plan, io: PlanRunIo): boolean {
  const failures = plan.failures ?? [];
  if (failures.length === 0) return false;
  for (const failure of failures) io.stderr.write(`regsync: failed to read ${failure.host}/${failure.repository}: ${failure.error}\n`);
  const count = `${failures.length} ${failures.length === 1 ? 'repository' : 'repositories'}`;
  io.stderr.write(`regsync: ${count} could not be read and ${failures.length === 1 ? 'was' : 'were'} left out of the plan\n`);
  return true;
}
