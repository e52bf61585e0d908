import { setMaxListeners } from 'node:events';

/** Where interrupts come from: the process in production, an EventEmitter in tests. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/** The run's view of Ctrl-C and SIGTERM. */
export interface Interrupts {
  /** true after the first interrupt: no new change starts. */
  readonly stopping: boolean;
  /** Aborted at the end of the grace period, or at once on a second interrupt: in-flight copies stop. */
  readonly signal: AbortSignal;
  /** Stops listening (call once the run ends). */
  dispose(): void;
}

const INTERRUPT_GRACE_MS = 10_000;

/**
 * The first interrupt stops starting changes and gives in-flight copies `graceMs` to finish before they are
 * aborted; a second one aborts them at once. Either way the run goes on to close its executors and report.
 */
export function watchInterrupts(
  source: SignalSource,
  options: { graceMs?: number; onInterrupt?: (count: number) => void } = {},
): Interrupts {
  const controller = new AbortController();
  // Our own waiters share one listener (util/abort-listeners), but what takes the signal directly, execa's
  // cancelSignal per docker process and fs streams of ocidir reads, adds one each: their number follows the run's
  // concurrency, not a leak, so Node's warning past 10 listeners would be noise on stderr.
  setMaxListeners(0, controller.signal);
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  const abort = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    if (!controller.signal.aborted) controller.abort(new Error('interrupted'));
  };
  const listener = (): void => {
    count += 1;
    options.onInterrupt?.(count);
    if (count === 1) {
      timer = setTimeout(abort, options.graceMs ?? INTERRUPT_GRACE_MS);
      timer.unref();
    } else abort();
  };
  source.on('SIGINT', listener);
  source.on('SIGTERM', listener);
  return {
    get stopping() {
      return count > 0;
    },
    signal: controller.signal,
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      source.off('SIGINT', listener);
      source.off('SIGTERM', listener);
    },
  };
}
