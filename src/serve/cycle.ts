import type { ApplyResult } from '../apply/types.js';
import { configDigest } from '../config/digest.js';
import type { Config } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import { redact } from '../util/redact.js';
import type { ServeLog } from './log.js';
import type { ServeMetrics } from './metrics.js';
import { PENDING_ACTIONS } from './metrics.js';
import type { PipelineOutcome } from './pipeline.js';
import type { Staleness } from './staleness.js';

/** A config as loaded for a cycle: the normalised config and the secrets to hide. */
export interface LoadedServeConfig {
  config: Config;
  secrets: readonly string[];
}

export interface CycleDeps {
  /** Reads the config file anew (and with it `${VAR}`s); throws when it is not valid. */
  loadConfig: () => Promise<LoadedServeConfig>;
  run(config: Config, secrets: readonly string[]): Promise<PipelineOutcome>;
  /** --mirror: only these mirrors (empty: all). */
  mirrors: readonly string[];
  metrics: ServeMetrics;
  staleness: Staleness;
  now(): number;
  log: ServeLog;
}

/** A change that leaves the destination as planned. */
const settled = (status: string): boolean => status === 'done' || status === 'present';

/**
 * One cycle: read the config (keeping the last good one when the file is not valid), plan and apply, then record
 * it in the metrics. `ready` is what /readyz answers: the last cycle ended without a fatal error.
 */
export class Cycles {
  ready = false;
  private count = 0;
  private lastGood: (LoadedServeConfig & { digest: string }) | null = null;
  private reportedProblems: string | null = null;

  constructor(private readonly deps: CycleDeps) {}

  async runCycle(): Promise<void> {
    const { deps } = this;
    const started = deps.now();
    this.count += 1;
    const n = this.count;
    deps.log.info(`cycle ${n} started`, { event: 'cycle-start', cycle: n });
    let fatal: string | null = null;
    let outcome: PipelineOutcome = { plan: null, result: null };
    const current = await this.readConfig();
    if (current === null) fatal = 'no valid config';
    else {
      try {
        outcome = await deps.run(current.config, current.secrets);
        if (outcome.plan === null) fatal = 'no plan (problems above)';
      } catch (error) {
        fatal = redact(error instanceof Error ? error.message : String(error), current.secrets);
        deps.log.error(`cycle ${n}: ${fatal}`, { event: 'cycle-error', cycle: n, error: fatal });
      }
    }
    const ended = deps.now();
    const mirrors = current === null ? [] : this.mirrorNames(current.config);
    if (outcome.plan !== null) this.record(outcome.plan, outcome.result, mirrors, ended);
    const failed = outcome.result?.changes.filter((change) => !settled(change.status) && change.status !== 'skipped') ?? [];
    this.logChanges(n, outcome);
    const unread = outcome.plan?.failures ?? [];
    for (const failure of unread) {
      const reference = `${failure.host}/${failure.repository}`;
      deps.log.error(`cycle ${n}: failed to read ${reference}: ${failure.error}`, {
        event: 'read-failure',
        cycle: n,
        mirror: failure.mirror,
        host: failure.host,
        reference,
        error: failure.error,
      });
    }
    const success = fatal === null && failed.length === 0 && unread.length === 0 && outcome.result?.interrupted !== true;
    this.ready = fatal === null;
    const { metrics } = deps;
    metrics.cycles.inc({ result: success ? 'success' : 'failure' });
    metrics.cycleDuration.observe((ended - started) / 1000);
    metrics.lastCycle.set(ended / 1000);
    const result = success ? 'success' : 'failure';
    const fields = {
      event: 'cycle-end',
      cycle: n,
      result,
      durationSeconds: (ended - started) / 1000,
      ...counts(outcome),
      ...(fatal === null ? {} : { error: fatal }),
    };
    const msg = `cycle ${n} ended: ${result} in ${((ended - started) / 1000).toFixed(1)} s${describe(outcome)}`;
    if (success) deps.log.info(msg, fields);
    else deps.log.error(msg, fields);
  }

  /**
   * Each change's result: a failed or stale one in both formats (as the text log always had it, its message naming
   * host, reference and cause), a settled or skipped one in the JSON log only.
   */
  private logChanges(n: number, { plan, result }: PipelineOutcome): void {
    const planned = new Map(plan?.changes.map((change) => [change.id, change]));
    for (const change of result?.changes ?? []) {
      const of = planned.get(change.id);
      const fields = {
        event: 'change',
        cycle: n,
        mirror: of?.mirror ?? null,
        action: change.action,
        status: change.status,
        target: of?.target.ref ?? change.id,
        source: of?.source?.ref ?? null,
        durationSeconds: change.durationMs / 1000,
        bytes: change.bytes,
      };
      if (change.status === 'failed' || change.status === 'stale') {
        const failure = { ...fields, reference: fields.target, error: change.error };
        const msg = `cycle ${n}: ${change.status}: ${change.error ?? change.id}`;
        if (change.status === 'failed') this.deps.log.error(msg, failure);
        else this.deps.log.warn(msg, failure);
      } else this.deps.log.detail('info', `cycle ${n}: ${change.status}: ${change.id}`, fields);
    }
  }

  /** The config for this cycle: the file as it is now when valid, else the last good one (problems logged once). */
  private async readConfig(): Promise<(LoadedServeConfig & { digest: string }) | null> {
    const { deps } = this;
    try {
      const loaded = await deps.loadConfig();
      const digest = configDigest(loaded.config);
      if (this.lastGood === null) deps.log.info(`config loaded: digest ${digest}`, { event: 'config-loaded', configDigest: digest });
      else if (this.lastGood.digest !== digest)
        deps.log.info(`config changed: digest ${digest} (was ${this.lastGood.digest}), in effect from this cycle`, {
          event: 'config-changed',
          configDigest: digest,
          previousConfigDigest: this.lastGood.digest,
        });
      else if (this.reportedProblems !== null)
        deps.log.info(`config valid again: digest ${digest}`, { event: 'config-valid', configDigest: digest });
      this.lastGood = { ...loaded, digest };
      this.reportedProblems = null;
      deps.metrics.configValid.set(1);
    } catch (error) {
      const problems = problemLines(error);
      const key = problems.join('\n');
      // Every problem once: a config left broken is not repeated each cycle, a different breakage is.
      if (key !== this.reportedProblems) {
        for (const problem of problems) deps.log.error(`config invalid: ${problem}`, { event: 'config-problem', problem });
        deps.log.error(
          this.lastGood === null
            ? 'config invalid and no earlier valid config: no cycle runs until it is fixed'
            : `config invalid: keeping the last good config (digest ${this.lastGood.digest})`,
          // configDigest: the config still in effect (null: none, no cycle runs).
          { event: 'config-invalid', problems, configDigest: this.lastGood?.digest ?? null },
        );
        this.reportedProblems = key;
      }
      deps.metrics.configValid.set(0);
    }
    return this.lastGood;
  }

  private mirrorNames(config: Config): string[] {
    const all = config.mirrors.map((mirror) => mirror.name);
    return this.deps.mirrors.length === 0 ? all : all.filter((name) => this.deps.mirrors.includes(name));
  }

  private record(plan: Plan, result: ApplyResult | null, mirrors: string[], at: number): void {
    const { metrics, staleness } = this.deps;
    const mirrorOf = new Map(plan.changes.map((change) => [change.id, change.mirror]));
    metrics.pending.reset();
    for (const mirror of mirrors) {
      const changes = plan.changes.filter((change) => change.mirror === mirror && change.action !== 'noop');
      for (const action of PENDING_ACTIONS) metrics.pending.set({ mirror, action }, changes.filter((c) => c.action === action).length);
      const results = result?.changes.filter((change) => mirrorOf.get(change.id) === mirror) ?? [];
      const unread = plan.failures?.filter((failure) => failure.mirror === mirror).length ?? 0;
      // Also by 0: each mirror's series exists from its first cycle, so rate() and increase() see the first failure.
      metrics.readFailures.inc({ mirror }, unread);
      // A repository that could not be read may be behind: the mirror is not in sync, its last success stays.
      const applied = changes.length === 0 || (results.length === changes.length && results.every((change) => settled(change.status)));
      const inSync = unread === 0 && applied;
      staleness.record(mirror, inSync, at);
      if (inSync) metrics.lastSuccess.set({ mirror }, at / 1000);
    }
    staleness.keepOnly(mirrors);
    for (const change of result?.changes ?? []) {
      const mirror = mirrorOf.get(change.id) ?? '';
      metrics.changes.inc({ mirror, action: change.action, status: change.status });
      if (change.bytes > 0) metrics.bytesCopied.inc({ mirror }, change.bytes);
    }
  }
}

function problemLines(error: unknown): string[] {
  if (error !== null && typeof error === 'object' && 'problems' in error && Array.isArray(error.problems)) {
    return error.problems.map(String);
  }
  return [error instanceof Error ? error.message : String(error)];
}

const APPLY_STATUSES = ['done', 'present', 'failed', 'stale', 'skipped'] as const;

/** The cycle-end counts for the JSON log: the plan per action, the apply per status (null: not made, not applied). */
function counts({ plan, result }: PipelineOutcome): {
  plan: Record<string, number> | null;
  apply: Record<string, number> | null;
  interrupted: boolean;
} {
  const { create, update, delete: remove, noop } = plan?.summary ?? { create: 0, update: 0, delete: 0, noop: 0 };
  const apply =
    result === null
      ? null
      : Object.fromEntries(APPLY_STATUSES.map((status) => [status, result.changes.filter((change) => change.status === status).length]));
  return { plan: plan === null ? null : { create, update, delete: remove, noop }, apply, interrupted: result?.interrupted === true };
}

/** `: plan create 1 update 0 delete 0; applied done 1 present 0 failed 0`. */
function describe({ plan, result }: PipelineOutcome): string {
  if (plan === null) return '';
  const { create, update, delete: remove } = plan.summary;
  const planned = `: plan create ${create} update ${update} delete ${remove}`;
  if (result === null) return planned;
  const count = (status: string): number => result.changes.filter((change) => change.status === status).length;
  const applied = APPLY_STATUSES.map((status) => `${status} ${count(status)}`).join(' ');
  return `${planned}; applied ${applied}${result.interrupted ? ' (interrupted)' : ''}`;
}
