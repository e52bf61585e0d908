import { EventEmitter } from 'node:events';
import type { Shard } from '../plan/shard.js';
import type { RetryNotice } from '../registry/index.js';
import { Cycles } from './cycle.js';
import type { LoadedServeConfig } from './cycle.js';
import { startHttp } from './http.js';
import type { ServeLog } from './log.js';
import { ServeMetrics } from './metrics.js';
import { planAndApply } from './pipeline.js';
import type { Schedule } from './schedule.js';
import { Scheduler, sleep } from './scheduler.js';
import { Staleness } from './staleness.js';

export interface ServeOptions {
  version: string;
  schedule: Schedule;
  listen: string;
  planOnly: boolean;
  mirrors: string[];
  shard: Shard | null;
  concurrency: number;
  dockerBinary: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  loadConfig: () => Promise<LoadedServeConfig>;
}

/** Where serve's signals come from: the process, or an emitter in tests. */
export interface ServeSignals {
  on(event: 'SIGHUP' | 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  off(event: 'SIGHUP' | 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

/** Runs until SIGTERM or SIGINT: cycles on the schedule, the HTTP listener; resolves with the exit code (0). */
export async function runServe(options: ServeOptions, signals: ServeSignals, log: ServeLog): Promise<number> {
  const staleness = new Staleness();
  const metrics = new ServeMetrics(options.version, staleness);
  // apply's interrupt handling listens here: serve decides when a stop reaches the running apply.
  const applySignals = new EventEmitter();
  const observe = {
    retry: (notice: RetryNotice) => metrics.retries.inc({ host: notice.host }),
    requests: (stats: { byHostAndCode?: Record<string, number> }) => {
      for (const [key, n] of Object.entries(stats.byHostAndCode ?? {})) {
        const split = key.lastIndexOf(' ');
        metrics.requests.inc({ host: key.slice(0, split), code: key.slice(split + 1) }, n);
      }
    },
    rateLimits: (limits: Record<string, { remaining: number }>) => {
      for (const [host, { remaining }] of Object.entries(limits)) metrics.rateLimitRemaining.set({ host }, remaining);
    },
  };
  let stops = 0;
  // Aborted at the first stop: a plan still reading ends early instead of reading to the end first.
  const stopped = new AbortController();
  const cycles = new Cycles({
    loadConfig: options.loadConfig,
    mirrors: options.mirrors,
    metrics,
    staleness,
    now: Date.now,
    log,
    // A new registry pool per cycle (inside planAndApply): credential files and helpers are read anew.
    run: (config, secrets) =>
      planAndApply(config, {
        version: options.version,
        mirrors: options.mirrors,
        shard: options.shard,
        concurrency: options.concurrency,
        planOnly: options.planOnly,
        dockerBinary: options.dockerBinary,
        env: options.env,
        cwd: options.cwd,
        secrets: () => secrets,
        signals: applySignals,
        stopping: () => stops > 0,
        stopSignal: stopped.signal,
        log,
        observe,
      }),
  });
  const { server, address } = await startHttp(options.listen, { registry: metrics.registry, ready: () => cycles.ready });
  log.info(`listening on http://${address} (/metrics, /healthz, /readyz)`, { event: 'listening', url: `http://${address}` });
  const scheduler = new Scheduler({
    schedule: options.schedule,
    now: Date.now,
    sleep,
    runCycle: () => cycles.runCycle(),
    log: (line) => log.warn(line, { event: 'cycle-late' }),
  });
  log.info(`cycles ${options.schedule.description}${options.planOnly ? ', plan only' : ''}`, {
    event: 'schedule',
    schedule: options.schedule.description,
    planOnly: options.planOnly,
  });

  const onStop = (): void => {
    stops += 1;
    log.info(
      stops === 1
        ? 'stopping: no new change starts; in-flight copies stop within 10 s (signal again: now)'
        : 'stopping now: in-flight copies are aborted',
      { event: 'stopping', signals: stops },
    );
    applySignals.emit('SIGTERM');
    stopped.abort();
    void scheduler.stop();
  };
  const onHup = (): void => {
    log.info('SIGHUP: a cycle starts now (or as soon as the running one ends)', { event: 'sighup' });
    scheduler.runNow();
  };
  signals.on('SIGTERM', onStop);
  signals.on('SIGINT', onStop);
  signals.on('SIGHUP', onHup);
  try {
    await scheduler.start();
  } finally {
    signals.off('SIGTERM', onStop);
    signals.off('SIGINT', onStop);
    signals.off('SIGHUP', onHup);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  log.info('stopped', { event: 'stopped' });
  return 0;
}
