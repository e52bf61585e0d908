import { configDigest } from '../config/digest.js';
import type { Config } from '../config/types.js';
import { gatherInventory, gatherPrunedReferrers, gatherReferrers } from '../inventory/index.js';
import type { InventoryEvent } from '../inventory/index.js';
import { buildPlan } from '../plan/diff.js';
import { addPrunedReferrers, pruneSubjects } from '../plan/prune-referrers.js';
import { addReferrerChanges, referrerImages, tagsCopiedIn } from '../plan/referrers.js';
import { spareAfterReferrers } from '../plan/shared-digests.js';
import { selectRepositories } from '../plan/filters.js';
import { inventorySelection } from '../plan/tag-selection.js';
import { mirrorsToRead } from '../plan/related-mirrors.js';
import { ownsSourceRepository } from '../plan/shard.js';
import type { Shard } from '../plan/shard.js';
import type { Plan } from '../plan/types.js';
import type { RequestStats } from '../registry/index.js';
import { CancelledError } from '../util/concurrency.js';
import { RegsyncError } from '../util/errors.js';
import type { Clock } from './clock.js';
import { openRunContext } from './context.js';
import type { PoolEvents, RunContext } from './context.js';

/** What a plan is asked, flags resolved; no terminal in sight. */
export interface PlanRunOptions {
  /** regsync's version, recorded in the plan. */
  version: string;
  /** --mirror names; empty: every mirror. */
  mirrors: string[];
  /** --shard I/N: only the destination repositories of this shard. */
  shard: Shard | null;
  /** The run this plan belongs to (apply's, shared with its copies); absent: the plan is a run of its own. */
  context?: RunContext;
  /** Environment for a run of its own (ignored with `context`). */
  env?: NodeJS.ProcessEnv;
  events?: PlanRunEvents;
  /** Aborted when the caller stops (serve's SIGTERM): the reads in flight are cancelled and the plan ends early. */
  signal?: AbortSignal;
}

/** What the plan tells as it reads; every one optional and none needed for the result. */
export interface PlanRunEvents extends PoolEvents {
  onProgress?: (event: InventoryEvent) => void;
  /** Once the reading ends, also after a failed read: the requests it made and how long it took. */
  onReadsDone?: (stats: RequestStats, durationMs: number) => void;
}

/** The plan, and the problems (rename errors, collisions...) that make `plan` fail, and its warnings. */
export interface PlanRunResult {
  plan: Plan;
  problems: string[];
  warnings: string[];
  stats: { requests: number; durationMs: number };
}

/**
 * The selection the inventory reads by: the planner's own pure functions at the plan's clock, so both agree. With
 * --shard, the inventory reads only the repositories the shard plans, so N workers share the reads too.
 */
export function selectionFor(shard: Shard | null, now: Date): ReturnType<typeof inventorySelection> {
  const selection = inventorySelection(now);
  if (shard === null) return selection;
  return {
    ...selection,
    selectRepositories: (mirror, listed) => {
      const chosen = selectRepositories(mirror, listed);
      return { ...chosen, selected: chosen.selected.filter((relative) => ownsSourceRepository(shard, mirror, relative)) };
    },
  };
}

/** --mirror names, checked against the config: an unknown name lists the ones that exist. */
export function selectMirrors(config: Config, names: string[]): Config['mirrors'] {
  if (names.length === 0) return config.mirrors;
  const known = config.mirrors.map((mirror) => mirror.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    const which = unknown.map((name) => JSON.stringify(name)).join(', ');
    throw new RegsyncError(`no mirror named ${which} in the config; mirrors: ${known.join(', ')}`, { code: 'USAGE' });
  }
  return config.mirrors.filter((mirror) => names.includes(mirror.name));
}

/**
 * Gathers the inventory and builds the plan: pool, facts cache, inventory and planner composed, with the clock read
 * once. Returns data; what it has to say while reading goes to `options.events`.
 */
export async function planRun(config: Config, options: PlanRunOptions, clock: Clock): Promise<PlanRunResult> {
  if (options.context !== undefined) return planInContext(config, options, clock, options.context);
  const context = openRunContext(config, { env: options.env ?? {} });
  try {
    return await planInContext(config, options, clock, context);
  } finally {
    await context.close();
  }
}

async function planInContext(config: Config, options: PlanRunOptions, clock: Clock, context: RunContext): Promise<PlanRunResult> {
  const mirrors = selectMirrors(config, options.mirrors);
  const now = clock();
  const events = options.events ?? {};
  // Aborted by the inventory at its first failed read: the other reads are cancelled, and nothing more is said about
  // them (a retry of a healthy host after `authentication failed for ...` reads as if the plan went on).
  const cancel = new AbortController();
  const stop = (): void => cancel.abort(new CancelledError());
  if (options.signal?.aborted === true) stop();
  else options.signal?.addEventListener('abort', stop, { once: true });
  const untilFailed =
    <T>(tell: ((value: T) => void) | undefined) =>
    (value: T): void => {
      if (!cancel.signal.aborted) tell?.(value);
    };
  const pool = context.openPool({
    ...(events.log ? { log: untilFailed(events.log) } : {}),
    ...(events.onRetry ? { onRetry: untilFailed(events.onRetry) } : {}),
  });
  let inventory;
  let built: ReturnType<typeof buildPlan>;
  const started = Date.now();
  try {
    // Not awaited: the first requests go out while the cache file is read and parsed.
    const cache = context.factsCache();
    inventory = await gatherInventory({
      config,
      mirrors: mirrorsToRead(config.mirrors, mirrors),
      pool,
      selection: selectionFor(options.shard, now),
      cache,
      factsInFlight: context.factsInFlight,
      cancel,
      ...(events.onProgress ? { onProgress: events.onProgress } : {}),
    });
    built = buildPlan({
      config,
      inventory,
      now,
      regsyncVersion: options.version,
      configDigest: configDigest(config),
      stats: { requests: pool.stats().requests, durationMs: Date.now() - started },
      ...(options.mirrors.length > 0 ? { mirrors: options.mirrors } : {}),
      shard: options.shard,
      rateLimits: pool.rateLimits(),
    });
    // Referrers are listed for the images the planner kept (only for mirrors that copy them), while the pool is open;
    // the planner then makes them changes of their own.
    const copying = new Set(mirrors.filter((mirror) => mirror.referrers !== null).map((mirror) => mirror.name));
    if (copying.size > 0) {
      // A fallback tag the plan copies as a tag is that tag change's: its referrers are present when stored by digest.
      const facts = await gatherReferrers(referrerImages(built.plan, copying), mirrors, pool, cancel.signal, tagsCopiedIn(built.plan));
      // Prune keeps the fallback tags of the referrers just added (their subjects stay), as it does those of images.
      built = { ...built, plan: spareAfterReferrers(addReferrerChanges(built.plan, facts, copying)) };
      // With prune, a referrer whose subject is deleted goes with it: listed at the destination once the deletes stand.
      const pruning = new Set(mirrors.filter((mirror) => mirror.referrers !== null && mirror.prune).map((mirror) => mirror.name));
      const deletes = pruneSubjects(built.plan, pruning);
      if (deletes.length > 0) {
        const pruned = await gatherPrunedReferrers(deletes, mirrors, pool, cancel.signal);
        built = { ...built, plan: addPrunedReferrers(built.plan, pruned) };
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    events.onReadsDone?.(pool.stats(), Date.now() - started);
    await context.closePool(pool);
  }
  const stats = { requests: pool.stats().requests, durationMs: Date.now() - started };
  built.plan.stats.requests = stats.requests;
  built.plan.stats.durationMs = stats.durationMs;
  return { ...built, stats };
}
