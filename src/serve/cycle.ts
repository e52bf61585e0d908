import type { ApplyResult } from '../apply/types.js';
import { configDigest } from '../config/digest.js';
import type { Config } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import { redact } from '../util/redact.js';
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
  log: (line: string) => void;
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
    deps.log(`cycle ${n} started`);
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
        deps.log(`cycle ${n}: ${fatal}`);
      }
    }
    const ended = deps.now();
    const mirrors = current === null ? [] : this.mirrorNames(current.config);
    if (outcome.plan !== null) this.record(outcome.plan, outcome.result, mirrors, ended);
    const failed = outcome.result?.changes.filter((change) => !settled(change.status) && change.status !== 'skipped') ?? [];
    for (const change of failed) deps.log(`cycle ${n}: ${change.status}: ${change.error ?? change.id}`);
    const unread = outcome.plan?.failures ?? [];
    for (const failure of unread) deps.log(`cycle ${n}: failed to read ${failure.host}/${failure.repository}: ${failure.error}`);
    const success = fatal === null && failed.length === 0 && unread.length === 0 && outcome.result?.interrupted !== true;
    this.ready = fatal === null;
    const { metrics } = deps;
    metrics.cycles.inc({ result: success ? 'success' : 'failure' });
    metrics.cycleDuration.observe((ended - started) / 1000);
    metrics.lastCycle.set(ended / 1000);
    deps.log(`cycle ${n} ended: ${success ? 'success' : 'failure'} in ${((ended - started) / 1000).toFixed(1)} s${describe(outcome)}`);
  }

  /** The config for this cycle: the file as it is now when valid, else the last good one (problems logged once). */
  private async readConfig(): Promise<(LoadedServeConfig & { digest: string }) | null> {
    const { deps } = this;
    try {
      const loaded = await deps.loadConfig();
      const digest = configDigest(loaded.config);
      if (this.lastGood === null) deps.log(`config loaded: digest ${digest}`);
      else if (this.lastGood.digest !== digest)
        deps.log(`config changed: digest ${digest} (was ${this.lastGood.digest}), in effect from this cycle`);
      else if (this.reportedProblems !== null) deps.log(`config valid again: digest ${digest}`);
      this.lastGood = { ...loaded, digest };
      this.reportedProblems = null;
      deps.metrics.configValid.set(1);
    } catch (error) {
      const problems = problemLines(error);
      const key = problems.join('\n');
      // Every problem once: a config left broken is not repeated each cycle, a different breakage is.
      if (key !== this.reportedProblems) {
        for (const problem of problems) deps.log(`config invalid: ${problem}`);
        deps.log(
          this.lastGood === null
            ? 'config invalid and no earlier valid config: no cycle runs until it is fixed'
            : `config invalid: keeping the last good config (digest ${this.lastGood.digest})`,
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

/** `: plan create 1 update 0 delete 0; applied done 1 present 0 failed 0`. */
function describe({ plan, result }: PipelineOutcome): string {
  if (plan === null) return '';
  const { create, update, delete: remove } = plan.summary;
  const planned = `: plan create ${create} update ${update} delete ${remove}`;
  if (result === null) return planned;
  const count = (status: string): number => result.changes.filter((change) => change.status === status).length;
  const applied = ['done', 'present', 'failed', 'stale', 'skipped'].map((status) => `${status} ${count(status)}`).join(' ');
  return `${planned}; applied ${applied}${result.interrupted ? ' (interrupted)' : ''}`;
}
