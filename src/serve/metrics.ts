import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The actions a plan counts as pending (noop is nothing to do). */
export const PENDING_ACTIONS = ['create', 'update', 'delete'] as const;

/**
 * The metrics of one serve process, in its own prom-client Registry (never the global one). Names and labels are a
 * contract (issue 18): dashboards and alerts are written against them.
 */
export class ServeMetrics {
  readonly registry = new Registry();
  readonly cycles = new Counter({
    name: 'regsync_cycles_total',
    help: 'Cycles run, by result (failure: the plan could not be made, or a change failed)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly cycleDuration = new Histogram({
    name: 'regsync_cycle_duration_seconds',
    help: 'Duration of a cycle (plan, then apply)',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  readonly lastCycle = new Gauge({
    name: 'regsync_last_cycle_timestamp_seconds',
    help: 'When the last cycle ended (Unix time)',
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: 'regsync_last_success_timestamp_seconds',
    help: 'When the mirror was last seen in sync at the end of a cycle (Unix time)',
    labelNames: ['mirror'] as const,
    registers: [this.registry],
  });
  readonly pending = new Gauge({
    name: 'regsync_pending_changes',
    help: 'Changes the last plan found to do',
    labelNames: ['mirror', 'action'] as const,
    registers: [this.registry],
  });
  readonly changes = new Counter({
    name: 'regsync_changes_total',
    help: 'Changes carried out, by result status (done, present, failed, stale, skipped)',
    labelNames: ['mirror', 'action', 'status'] as const,
    registers: [this.registry],
  });
  readonly bytesCopied = new Counter({
    name: 'regsync_bytes_copied_total',
    help: 'Bytes moved by the changes of the mirror (blobs and manifests uploaded)',
    labelNames: ['mirror'] as const,
    registers: [this.registry],
  });
  readonly readFailures = new Counter({
    name: 'regsync_read_failures_total',
    help: 'Source repositories a plan could not read (each left out of its cycle; the mirror is then not in sync)',
    labelNames: ['mirror'] as const,
    registers: [this.registry],
  });
  readonly requests = new Counter({
    name: 'regsync_registry_requests_total',
    help: 'HTTP responses received from registries, by status code',
    labelNames: ['host', 'code'] as const,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'regsync_registry_retries_total',
    help: 'Requests sent again after a failure',
    labelNames: ['host'] as const,
    registers: [this.registry],
  });
  readonly rateLimitRemaining = new Gauge({
    name: 'regsync_rate_limit_remaining',
    help: 'Pull budget the host last reported (RateLimit-Remaining)',
    labelNames: ['host'] as const,
    registers: [this.registry],
  });
  readonly configValid = new Gauge({
    name: 'regsync_config_valid',
    help: '1 when the config file last read was valid, 0 when the last good config is still in use',
    registers: [this.registry],
  });
  readonly buildInfo = new Gauge({
    name: 'regsync_build_info',
    help: 'regsync version (always 1)',
    labelNames: ['version'] as const,
    registers: [this.registry],
  });
  readonly outOfSync: Gauge<'mirror'>;

  constructor(
    version: string,
    private readonly staleness: { seconds(now: number): Map<string, number> },
    now: () => number = Date.now,
  ) {
    this.buildInfo.set({ version }, 1);
    this.configValid.set(1);
    // Computed when scraped: the number grows between cycles, which is what an alert waits on.
    const sync = this.staleness;
    this.outOfSync = new Gauge({
      name: 'regsync_mirror_out_of_sync_seconds',
      help: 'Seconds since the mirror was last seen with nothing to do (0 when in sync)',
      labelNames: ['mirror'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [mirror, seconds] of sync.seconds(now())) this.set({ mirror }, seconds);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }
}
