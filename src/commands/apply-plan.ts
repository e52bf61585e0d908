import path from 'node:path';
import type { Config } from '../config/types.js';
import { readSavedPlan, writePlanFile } from '../planfile/index.js';
import type { Plan } from '../plan/types.js';
import { checkSavedPruneScope } from '../run/index.js';
import type { RunContext } from '../run/index.js';
import { changesInShard } from '../plan/shard.js';
import type { Shard } from '../plan/shard.js';
import { summarize } from '../plan/summary.js';
import { renderHuman } from '../render/human.js';
import { RegsyncError } from '../util/errors.js';
import { writeChangeWarnings, writePullBudgetWarnings, writeQuietPlan } from './plan-output.js';
import { commandPoolEvents, computeReportedPlan } from './plan-run.js';
import type { PlanRunIo, PlanRunOptions } from './plan-run.js';

/** The flags of `regsync apply` that decide which plan runs and how it is shown. */
export interface ApplyPlanOptions {
  version: string;
  /** `regsync apply PLAN.json`: the saved plan; null computes one from the config. */
  planFile: string | null;
  mirrors: string[];
  out: string | null;
  showUnchanged: boolean;
  showSkipped: boolean;
  verbose: boolean;
  quiet: boolean;
  color: boolean;
  /** --json: stdout holds the apply result alone, so the plan goes to stderr. */
  json: boolean;
  /** --shard I/N: only the destination repositories of this shard. */
  shard: Shard | null;
}

function planRunOptions(options: ApplyPlanOptions): PlanRunOptions {
  return {
    version: options.version,
    mirrors: options.mirrors,
    json: false,
    out: options.out,
    format: 'human',
    detailedExitcode: false,
    showUnchanged: options.showUnchanged,
    showSkipped: options.showSkipped,
    verbose: options.verbose,
    quiet: options.quiet,
    color: options.color,
    shard: options.shard,
  };
}

/** A saved plan for one shard: a plan made for that shard as it is, an unsharded one cut to it, another shard refused. */
function savedPlanForShard(plan: Plan, shard: Shard | null): Plan {
  if (shard === null) return plan;
  if (plan.shard !== undefined) {
    if (plan.shard.index === shard.index && plan.shard.count === shard.count) return plan;
    throw new RegsyncError(
      `the plan was made for shard ${plan.shard.index}/${plan.shard.count}, not ${shard.index}/${shard.count}: apply it without --shard or with its own`,
      { code: 'USAGE' },
    );
  }
  const changes = changesInShard(plan.changes, shard);
  return { ...plan, shard: { index: shard.index, count: shard.count }, changes, summary: summarize({ changes, skipped: plan.skipped }) };
}

/** The plan apply carries out: the saved one (checked against this config) or a fresh one; null after plan problems. */
export async function obtainPlan(config: Config, options: ApplyPlanOptions, io: PlanRunIo, context: RunContext): Promise<Plan | null> {
  if (options.planFile !== null) {
    if (options.mirrors.length > 0 || options.out !== null) {
      throw new RegsyncError('--mirror and --out are for a plan apply computes; a saved plan is carried out whole', { code: 'USAGE' });
    }
    const plan = savedPlanForShard(await readSavedPlan(options.planFile, config), options.shard);
    // Where its prune deletes lie, only the source registry's catalog can confirm (run/saved-plan-scope.ts).
    await checkSavedPruneScope(plan, config, context, commandPoolEvents(options, io));
    return plan;
  }
  const plan = await computeReportedPlan(config, planRunOptions(options), io, context);
  if (plan !== null && options.out !== null) await writePlanFile(path.resolve(io.cwd, options.out), plan);
  return plan;
}

/** The plan for the person about to apply it: on stdout, or on stderr when stdout carries --json. */
export function printPlan(plan: Plan, options: ApplyPlanOptions, io: PlanRunIo): void {
  if (options.quiet) {
    // -q, as for plan: no changes listed, so their warnings and the pull-budget warning go to stderr; the
    // `Plan: ...` line stays unless stdout carries --json alone.
    writePullBudgetWarnings(plan, io);
    if (options.json) writeChangeWarnings(plan, io);
    else writeQuietPlan(plan, io);
    return;
  }
  const text = renderHuman(plan, { color: options.color, showUnchanged: options.showUnchanged, showSkipped: options.showSkipped });
  (options.json ? io.stderr : io.stdout).write(text);
}
