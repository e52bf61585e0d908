import type { Config } from '../config/types.js';
import { planMirror } from './plan-mirror.js';
import { spareSharedDigests } from './shared-digests.js';
import { sortChanges, sortSkipped } from './sort.js';
import { summarize } from './summary.js';
import { rateLimitStats } from './pull-budget.js';
import type { Change, HostRateLimit, Inventory, Plan, PlanStats, Skipped } from './types.js';
import type { Shard } from './shard.js';
import { compareStrings } from '../util/compare.js';

export interface PlanInput {
  config: Config;
  inventory: Inventory;
  now: Date;
  regsyncVersion: string;
  configDigest: string;
  stats: PlanStats;
  /** --mirror filter; undefined = all. */
  mirrors?: string[];
  /** --shard: plan only the destination repositories of this shard; recorded in the plan. */
  shard?: Shard | null;
  /** What source hosts said about their pull budgets while the inventory was read (stats.rateLimits). */
  rateLimits?: Record<string, HostRateLimit>;
}

/** A collision, with the mirrors it involves (a `--mirror` run reports those involving a planned mirror). */
interface Collision {
  text: string;
  mirrors: string[];
}

/**
 * Removes every change whose target another source also writes, and names both sources: "last push wins"
 * would make the destination depend on apply order. Checked across mirrors, which may share a destination.
 */
function dropCollisions(changes: Change[]): { changes: Change[]; collisions: Collision[] } {
  const writers = new Map<string, Change[]>();
  for (const change of changes) {
    if (change.source === null) continue;
    const list = writers.get(change.target.ref) ?? [];
    list.push(change);
    writers.set(change.target.ref, list);
  }
  const collisions: Collision[] = [];
  const colliding = new Set<Change>();
  for (const [target, list] of writers) {
    if (list.length < 2) continue;
    list.forEach((change) => colliding.add(change));
    const sources = list.map((c) => `${c.source?.ref ?? ''} (mirror ${c.mirror})`).sort();
    collisions.push({
      text: `${sources.join(' and ')} both map to ${target}: change the rename rule or narrow the selection`,
      mirrors: list.map((c) => c.mirror),
    });
  }
  // A delete of a ref some source writes is also a conflict between mirrors; keep the write, drop the delete.
  const kept = changes.filter((change) => !colliding.has(change) && !(change.source === null && writers.has(change.target.ref)));
  return { changes: kept, collisions: collisions.sort((a, b) => compareStrings(a.text, b.text)) };
}

function withRateLimits(stats: PlanStats, rateLimits: PlanStats['rateLimits']): PlanStats {
  return rateLimits === undefined ? stats : { ...stats, rateLimits };
}

/**
 * The pure planner: Config + Inventory + now → Plan, plus the problems that must make `plan` exit 1 and the
 * warnings (printed on stderr) about what was planned around, e.g. a source repository with no tags.
 * Every mirror with an inventory is planned, so collisions and prune see each other's tags; with `mirrors`
 * (--mirror) only those mirrors' changes, skips and problems are reported.
 */
export function buildPlan(input: PlanInput): { plan: Plan; problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const wanted = input.mirrors === undefined ? null : new Set(input.mirrors);
  const reported = (mirror: string): boolean => wanted === null || wanted.has(mirror);
  for (const name of wanted ?? []) {
    if (!input.config.mirrors.some((m) => m.name === name)) problems.push(`no mirror named ${name} in the config`);
  }
  const changes: Change[] = [];
  const skipped: Skipped[] = [];
  for (const mirror of input.config.mirrors) {
    const inventory = input.inventory.mirrors.find((m) => m.mirror === mirror.name);
    if (inventory === undefined) {
      if (reported(mirror.name)) problems.push(`mirror ${mirror.name}: the inventory has no facts for this mirror (internal error)`);
      continue;
    }
    const planned = planMirror(mirror, inventory, input.now, input.shard ?? null);
    changes.push(...planned.changes);
    if (!reported(mirror.name)) continue;
    skipped.push(...planned.skipped);
    problems.push(...planned.problems);
    warnings.push(...planned.warnings);
  }
  const checked = dropCollisions(changes);
  problems.push(...checked.collisions.filter((collision) => collision.mirrors.some(reported)).map((collision) => collision.text));
  const spared = spareSharedDigests(checked.changes).filter((change) => reported(change.mirror));
  const sortedChanges = sortChanges(spared);
  const sortedSkipped = sortSkipped(skipped);
  const plan: Plan = {
    regsyncVersion: input.regsyncVersion,
    createdAt: input.now.toISOString(),
    configDigest: input.configDigest,
    changes: sortedChanges,
    skipped: sortedSkipped,
    summary: summarize({ changes: sortedChanges, skipped: sortedSkipped }),
    stats: withRateLimits(input.stats, rateLimitStats(input.rateLimits ?? {}, sortedChanges, input.inventory)),
  };
  const failures = (input.inventory.failures ?? []).filter((failure) => reported(failure.mirror));
  if (failures.length > 0) plan.failures = failures;
  if (input.shard !== undefined && input.shard !== null) plan.shard = { index: input.shard.index, count: input.shard.count };
  return { plan, problems, warnings };
}
