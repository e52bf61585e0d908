import type { Schedule } from './schedule.js';

/** What the scheduler needs from the world: injected, so its rules are tested on plain data with a fake clock. */
export interface SchedulerDeps {
  schedule: Schedule;
  /** Epoch milliseconds. */
  now(): number;
  /** Waits `ms`, or less when `wake` fires (SIGHUP, shutdown). */
  sleep(ms: number, wake: AbortSignal): Promise<void>;
  /** One cycle; never rejects (the cycle records its own failure). */
  runCycle(): Promise<void>;
  log: (line: string) => void;
}

/**
 * Runs a cycle at start and then on the schedule, one at a time: the next cycle is computed from the one that was
 * due, and a cycle that ends past that start makes the next one start at once (late, and said so) instead of
 * overlapping or being silently skipped. SIGHUP (`runNow`) starts a cycle as soon as none is running.
 */
export class Scheduler {
  private wake = new AbortController();
  private stopped = false;
  private nowRequested = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly deps: SchedulerDeps) {}

  start(): Promise<void> {
    this.loop ??= this.run();
    return this.loop;
  }

  /** A cycle now: at once when idle, right after the running one otherwise. */
  runNow(): void {
    this.nowRequested = true;
    this.wake.abort();
  }

  /** No new cycle starts; resolves when the running one (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { deps } = this;
    let due = deps.now();
    while (!this.stopped) {
      this.nowRequested = false;
      this.wake = new AbortController();
      await deps.runCycle();
      if (this.stopped) break;
      const ended = deps.now();
      due = deps.schedule.next(due);
      if (this.nowRequested) {
        due = ended;
        continue;
      }
      if (ended > due) {
        deps.log(
          `cycle ran past the next start by ${formatMs(ended - due)}: the next cycle starts now, ${formatMs(ended - due)} late (cycles never overlap)`,
        );
        due = ended;
        continue;
      }
      await deps.sleep(due - ended, this.wake.signal);
      // Woken early by SIGHUP: that cycle runs now, and the schedule goes on from it.
      if (this.nowRequested) due = deps.now();
    }
  }
}

function formatMs(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** The real sleep: a timer cut short by `wake`. */
export function sleep(ms: number, wake: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (wake.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      wake.removeEventListener('abort', done);
      resolve();
    }
    wake.addEventListener('abort', done, { once: true });
  });
}
