import type { Change, Plan } from '../plan/types.js';
import { createDeleter } from './delete.js';
import type { Interrupts } from './interrupts.js';
import type { ResolvedChange } from './locations.js';
import { rateLimitGate } from './rate-limit-gate.js';
import { ReferrerProofs } from './referrers.js';
import type { RateLimitReachedOf } from './rate-limit-gate.js';
import { runChange } from './run-change.js';
import { runInLanes } from './schedule.js';
import { summarizeResults } from './summary.js';
import { buildTaskTree } from './tasks.js';
import type { TaskTreeOptions } from './tasks.js';
import { ChangeTracker, rowKey, trackerRows } from './tracker.js';
import type { ApplyResult, ChangeResult, Executor } from './types.js';

export interface ApplyRunOptions {
  plan: Plan;
  /** The plan's create, update and delete changes, resolved against the config, in plan order. */
  changes: ResolvedChange[];
  executors: ReadonlyMap<string, Executor>;
  concurrency: number;
  failFast: boolean;
  interrupts: Interrupts;
  tree: TaskTreeOptions;
  regsyncVersion: string;
  secrets: () => Iterable<string>;
  /** Warnings of the changes, given once the task tree is done (so they never break its rendering). */
  warn: (line: string) => void;
  /** Whether a host has spent its pull budget in this run (the pool's rateLimitReached); absent: never. */
  rateLimitReached?: RateLimitReachedOf;
}

const sourceLane = (resolved: ResolvedChange): string =>
  `${resolved.change.source?.endpoint ?? ''}\u0000${resolved.change.source?.repository ?? resolved.change.target.repository}`;
const targetLane = (resolved: ResolvedChange): string => `${resolved.change.target.endpoint}\u0000${resolved.change.target.repository}`;

function skippedResult(change: Change, why: string): ChangeResult {
  return { id: change.id, action: change.action, status: 'skipped', error: why, durationMs: 0, bytes: 0 };
}

/** Prepares only the executors the plan's copies use (docker: the engine must answer before anything runs). */
async function prepareExecutors(options: ApplyRunOptions): Promise<void> {
  const used = new Set(options.changes.filter((r) => r.change.action !== 'delete').map((r) => r.change.executor));
  for (const name of used) await options.executors.get(name)?.prepare(options.interrupts.signal);
}

async function closeExecutors(executors: ReadonlyMap<string, Executor>): Promise<void> {
  const closed = await Promise.allSettled([...executors.values()].map((executor) => executor.close()));
  const failure = closed.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}

/**
 * Carries out exactly the given changes: copies first, in lanes per source repository, then deletes (which must
 * see every tag the copies made), at most `concurrency` lanes at once. The task tree only shows what happens.
 */
export async function runApply(options: ApplyRunOptions): Promise<ApplyResult> {
  const startedAt = new Date();
  // What a finished change leaves behind: its result (and its warnings, if any), never its tracker.
  const results = new Map<string, ChangeResult>();
  const warnings = new Map<string, readonly string[]>();
  // Silent (--json, no terminal output wanted): no task tree at all, not one drawn to nowhere. With a tree, a
  // repository's trackers are made when its first change starts; without, each change's when it starts.
  const rows = options.tree.renderer === 'silent' ? null : trackerRows(options.changes.map((r) => r.change));
  const tree = rows === null ? null : buildTaskTree([...rows.values()], options.tree);
  const trackerFor = (change: Change): ChangeTracker => rows?.get(rowKey(change))?.trackerFor(change) ?? new ChangeTracker(change);
  let failed = false;
  const finish = (change: Change, result: ChangeResult, tracker: ChangeTracker | null): void => {
    results.set(change.id, result);
    if (result.status === 'failed') failed = true;
    if (tracker === null) return;
    tracker.finish(result);
    if (tracker.warnings.length > 0) warnings.set(change.id, tracker.warnings);
    rows?.get(rowKey(change))?.release(change);
  };
  const deps = {
    executors: options.executors,
    remove: createDeleter(options.changes.map((r) => r.change)),
    signal: options.interrupts.signal,
    secrets: options.secrets,
    rateLimited: rateLimitGate(options.rateLimitReached),
  };
  const proofs = new ReferrerProofs(options.plan, options.changes);
  const lanes = {
    concurrency: options.concurrency,
    mayStart: () => !options.interrupts.stopping && !(options.failFast && failed),
    run: async (resolved: ResolvedChange) => {
      const tracker = trackerFor(resolved.change);
      const blocked = proofs.blockedBy(resolved.change, results);
      if (blocked !== null) return finish(resolved.change, skippedResult(resolved.change, blocked), tracker);
      // An image's last referrer change also proves that all its referrers are listed at the destination.
      finish(resolved.change, await proofs.after(resolved, await runChange(resolved, tracker, deps), tracker, deps.signal), tracker);
    },
    skip: (resolved: ResolvedChange) =>
      finish(
        resolved.change,
        skippedResult(
          resolved.change,
          options.interrupts.stopping ? 'interrupted before it started' : 'not started: --fail-fast after a failure',
        ),
        // Only the tree shows a change that never started (as skipped): silent, it needs no tracker at all.
        rows === null ? null : trackerFor(resolved.change),
      ),
  };
  try {
    await prepareExecutors(options);
    const shown = tree === null ? Promise.resolve() : tree.run().catch(() => undefined);
    await runInLanes(
      options.changes.filter((r) => r.change.action !== 'delete'),
      { ...lanes, laneOf: sourceLane },
    );
    await runInLanes(
      options.changes.filter((r) => r.change.action === 'delete'),
      { ...lanes, laneOf: targetLane },
    );
    await shown;
    for (const { change } of options.changes)
      for (const line of warnings.get(change.id) ?? []) options.warn(`${change.target.ref}: ${line}`);
  } finally {
    // Also after failures and interrupts: the docker executor drains its removal queue here.
    await closeExecutors(options.executors);
  }
  const changes = options.changes.map((r) => results.get(r.change.id)!);
  return {
    formatVersion: 1,
    regsyncVersion: options.regsyncVersion,
    configDigest: options.plan.configDigest,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    interrupted: options.interrupts.stopping,
    changes,
    summary: summarizeResults(changes),
    ...(proofs.images.length > 0 ? { images: proofs.images } : {}),
  };
}
