import { abortableDelay, abortReason, onAbort as whenAborted } from './abort-listeners.js';
import { InvariantError } from './errors.js';

/** What tasks queued on (or started after) a cancelled limiter reject with. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled after an earlier failure');
    this.name = 'CancelledError';
  }
}

/**
 * A counting semaphore: at most `max` tasks run at once; the rest wait in FIFO order. The one limiter of the
 * project: per-host request slots, per-copy blob fan-out and the inventory's fail-fast bound all use it.
 */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  /**
   * Takes a slot by hand; call the returned function to give it back (again is a no-op). A fired `signal`
   * takes the caller out of the queue: the promise rejects with the signal's reason.
   */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Holds every new task until `epochMs` (a registry asked us to wait). */
  pauseUntil(epochMs: number): void;
  /** Fail fast: queued and future tasks reject with CancelledError; running tasks finish. */
  cancel(): void;
  readonly active: number;
  readonly waiting: number;
}

const sleep = abortableDelay;

export function createLimiter(max: number): Limiter {
  if (!Number.isInteger(max) || max < 1) throw new InvariantError('a limiter admits a whole number of tasks, at least 1', `got ${max}`);
  let active = 0;
  let pausedUntil = 0;
  let cancelled = false;
  const queue: Array<() => void> = [];

  const release = (): void => {
    const next = queue.shift();
    // Hand the slot straight to the next waiter so a burst of new callers cannot overtake it.
    if (next) next();
    else active -= 1;
  };

  const wait = (signal: AbortSignal | undefined): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const waiter = (): void => {
        stopListening();
        resolve();
      };
      // Many requests of one run wait on one signal: one listener for all of them (util/abort-listeners).
      const stopListening = whenAborted(signal, () => {
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        reject(abortReason(signal!));
      });
      queue.push(waiter);
    });

  /** The slot's release function: a second call does nothing. */
  const slot = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };

  const acquireWaiting = async (signal?: AbortSignal): Promise<() => void> => {
    while (pausedUntil > Date.now()) await sleep(pausedUntil - Date.now(), signal);
    signal?.throwIfAborted();
    if (active < max) active += 1;
    else await wait(signal);
    if (cancelled) {
      release();
      throw new CancelledError();
    }
    return slot();
  };

  // Not async: a free slot is handed over in an already resolved promise, without the suspended frame an async
  // function keeps; only a caller that must wait pays for one (issue 17: every request of a plan comes here).
  const acquire = (signal?: AbortSignal): Promise<() => void> => {
    if (cancelled) return Promise.reject(new CancelledError());
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (pausedUntil <= Date.now() && active < max) {
      active += 1;
      return Promise.resolve(slot());
    }
    return acquireWaiting(signal);
  };

  return {
    acquire,
    async run<T>(task: () => Promise<T>): Promise<T> {
      const done = await acquire();
      try {
        return await task();
      } finally {
        done();
      }
    },
    cancel(): void {
      cancelled = true;
    },
    pauseUntil(epochMs: number): void {
      pausedUntil = Math.max(pausedUntil, epochMs);
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
