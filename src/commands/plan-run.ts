import type { ContentMemo } from '../registry/content-memo.js';
import path from 'node:path';
import { configDigest } from '../config/digest.js';
import type { Config } from '../config/types.js';
import { gatherInventory } from '../inventory/gather.js';
import { openFactsCache, resolveCacheDir } from '../inventory/facts-cache.js';
import type { InventoryEvent } from '../inventory/types.js';
import { buildPlan } from '../plan/diff.js';
import { ownsSourceRepository } from '../plan/shard.js';
import type { Shard } from '../plan/shard.js';
import { dockerPlatform, matchTagNames, needsImageFacts, selectRepositories } from '../plan/filters.js';
import { writePlanFile } from '../planfile/index.js';
import { mirrorsToRead } from '../plan/related-mirrors.js';
import { mapRepository } from '../plan/rename.js';
import { hasChanges } from '../plan/summary.js';
import type { Plan } from '../plan/types.js';
import type { RequestStats } from '../registry/types.js';
import type { RetryNotice } from '../registry/retry-notice.js';
import { renderHuman } from '../render/human.js';
import { renderJson } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import { footer } from '../render/plan-view.js';
import { pullBudgetLines } from '../render/pull-budget.js';
import { RegsyncError } from '../util/errors.js';
import { createProgressLine } from '../util/progress.js';
import { createPoolForConfig, retryLines } from './registry-pool.js';

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
  /** apply's memo of what the plan read, handed on to the copies (plan alone has none). */
  memo?: ContentMemo;
  /** serve: each retried request and, when the reading ends, the pool's request counts (for its metrics). */
  observe?: { retry(notice: RetryNotice): void; requests(stats: RequestStats): void };
}

export interface PlanRunIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The selection the inventory reads by: the planner's own pure functions, so both agree. */
const selection = { selectRepositories, matchTagNames, mapRepository, needsImageFacts, dockerPlatform };

/** With --shard, the inventory reads only the repositories the shard plans, so N workers share the reads too. */
function selectionFor(shard: Shard | null): typeof selection {
  if (shard === null) return selection;
  return {
    ...selection,
    selectRepositories: (mirror, listed) => {
      const chosen = selectRepositories(mirror, listed);
      return { ...chosen, selected: chosen.selected.filter((relative) => ownsSourceRepository(shard, mirror, relative)) };
    },
  };
}

/**
 * The clock of the plan. REGSYNC_NOW (an ISO 8601 date) fixes it, so tests and reviewers get
 * byte-identical plans and age filters that do not drift; unset, it is the current time.
 */
function planClock(env: NodeJS.ProcessEnv): Date {
  const fixed = env.REGSYNC_NOW;
  if (fixed === undefined || fixed === '') return new Date();
  const date = new Date(fixed);
  if (Number.isNaN(date.getTime())) {
    throw new RegsyncError(`REGSYNC_NOW ${JSON.stringify(fixed)} is not a date: use ISO 8601 such as 2024-07-01T00:00:00Z, or unset it`, {
      code: 'USAGE',
    });
  }
  return date;
}

/** --mirror names, checked against the config: an unknown name lists the ones that exist. */
function selectMirrors(config: Config, names: string[]): Config['mirrors'] {
  if (names.length === 0) return config.mirrors;
  const known = config.mirrors.map((mirror) => mirror.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    const which = unknown.map((name) => JSON.stringify(name)).join(', ');
    throw new RegsyncError(`no mirror named ${which} in the config; mirrors: ${known.join(', ')}`, { code: 'USAGE' });
  }
  return config.mirrors.filter((mirror) => names.includes(mirror.name));
}

/** "14 requests in 0.4 s: 127.0.0.1:5000 GET 5 HEAD 7; 127.0.0.1:5001 GET 2; 2.1 kB downloaded". */
function formatStats(stats: RequestStats, durationMs: number): string {
  const hosts = new Map<string, string[]>();
  for (const [key, count] of Object.entries(stats.byHostAndMethod).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
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

/** The retry lines, and serve's observer told of each retry too. */
function observedRetries(
  lines: { onRetry?: (notice: RetryNotice) => void },
  observe: PlanRunOptions['observe'],
): { onRetry?: (notice: RetryNotice) => void } {
  if (observe === undefined) return lines;
  return {
    onRetry: (notice) => {
      observe.retry(notice);
      lines.onRetry?.(notice);
    },
  };
}

/** Gathers the inventory and builds the plan, with the problems (rename errors, collisions...) that make `plan` fail. */
async function computePlan(
  config: Config,
  options: PlanRunOptions,
  io: PlanRunIo,
): Promise<{ plan: Plan; problems: string[]; warnings: string[] }> {
  const mirrors = selectMirrors(config, options.mirrors);
  const now = planClock(io.env);
  const verboseLine = (line: string): void => void io.stderr.write(`${line}\n`);
  // Aborted by the inventory at its first failed read: the other reads are cancelled, and nothing more is said about
  // them (a retry of a healthy host after `authentication failed for ...` reads as if the plan went on).
  const cancel = new AbortController();
  const untilFailed = (line: string): void => {
    if (!cancel.signal.aborted) verboseLine(line);
  };
  const pool = createPoolForConfig(config, {
    env: io.env,
    ...(options.verbose ? { logger: untilFailed } : {}),
    ...observedRetries(retryLines(options.quiet, untilFailed), options.observe),
    ...(options.memo ? { memo: options.memo } : {}),
  });
  const cache = await openFactsCache({
    dir: resolveCacheDir(io.env),
    ...(options.verbose ? { warn: (line: string) => verboseLine(`regsync: ${line}`) } : {}),
  });
  const progress = progressReporter(io, options);
  const started = Date.now();
  let inventory;
  try {
    const toRead = mirrorsToRead(config.mirrors, mirrors);
    inventory = await gatherInventory({
      config,
      mirrors: toRead,
      pool,
      selection: selectionFor(options.shard ?? null),
      cache,
      cancel,
      ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
    });
  } finally {
    progress.done();
    const durationMs = Date.now() - started;
    if (options.verbose) verboseLine(`regsync: ${formatStats(pool.stats(), durationMs)}`);
    options.observe?.requests(pool.stats());
    await pool.close();
  }
  const stats = { requests: pool.stats().requests, durationMs: Date.now() - started };
  const rateLimits = pool.rateLimits();
  const built = buildPlan({
    config,
    inventory,
    now,
    regsyncVersion: options.version,
    configDigest: configDigest(config),
    stats,
    ...(options.mirrors.length > 0 ? { mirrors: options.mirrors } : {}),
    shard: options.shard ?? null,
    rateLimits,
  });
  return built;
}

/**
 * Computes the plan and prints its warnings and problems on stderr (so --json keeps stdout to the output alone);
 * null when there are problems, which make plan and apply fail. Shared by `plan` and `apply`.
 */
export async function computeReportedPlan(config: Config, options: PlanRunOptions, io: PlanRunIo): Promise<Plan | null> {
  const { plan, problems, warnings } = await computePlan(config, options, io);
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
  const plan = await computeReportedPlan(config, options, io);
  if (plan === null) return 1;
  if (options.out !== null) await writePlanFile(path.resolve(io.cwd, options.out), plan);
  // The footer shows a short pull budget; with --json and -q there is no footer on stdout to show it.
  if (options.json || options.quiet) writePullBudgetWarnings(plan, io);
  if (options.json) io.stdout.write(renderJson(plan));
  else if (options.quiet) writeQuietPlan(plan, io);
  else io.stdout.write(renderPlanText(plan, options));
  if (options.out !== null && !options.json && !options.quiet) io.stderr.write(`regsync: plan written to ${options.out}\n`);
  return options.detailedExitcode && hasChanges(plan) ? 2 : 0;
}

function renderPlanText(plan: Plan, options: PlanRunOptions): string {
  const renderOptions = { color: options.color, showUnchanged: options.showUnchanged, showSkipped: options.showSkipped };
  return options.format === 'markdown' ? renderMarkdown(plan, renderOptions) : renderHuman(plan, renderOptions);
}

/** The plan's pull-budget warnings on stderr, for output that has no footer to show them in (--json, -q). */
export function writePullBudgetWarnings(plan: Plan, io: PlanRunIo): void {
  for (const { warning } of pullBudgetLines(plan)) if (warning !== null) io.stderr.write(`regsync: warning: ${warning}\n`);
}

/** The warnings each change carries, on stderr, for output that does not show the changes (-q). */
export function writeChangeWarnings(plan: Plan, io: PlanRunIo): void {
  for (const change of plan.changes) {
    for (const warning of change.warnings ?? []) io.stderr.write(`regsync: warning: ${change.target.ref}: ${warning}\n`);
  }
}

/** -q: the warnings the plan carries (on stderr, like every warning) and its final `Plan: ...` line, nothing else. */
export function writeQuietPlan(plan: Plan, io: PlanRunIo): void {
  writeChangeWarnings(plan, io);
  io.stdout.write(`${footer(plan)}\n`);
}
