/** A counting semaphore: at most `max` tasks run at once; the rest wait in FIFO order. */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Takes a slot by hand; call the returned function exactly once to give it back. */
  acquire(): Promise<() => void>;
  /** Holds every new task until `epochMs` (a registry asked us to wait). */
  pauseUntil(epochMs: number): void;
  readonly active: number;
  readonly waiting: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createLimiter(max: number): Limiter {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a positive integer, got ${max}`);
  let active = 0;
  let pausedUntil = 0;
  const queue: Array<() => void> = [];

  const release = (): void => {
    const next = queue.shift();
    // Hand the slot straight to the next waiter so a burst of new callers cannot overtake it.
    if (next) next();
    else active -= 1;
  };

  const acquire = async (): Promise<() => void> => {
    while (pausedUntil > Date.now()) await sleep(pausedUntil - Date.now());
    if (active < max) active += 1;
    else await new Promise<void>((resolve) => queue.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
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
