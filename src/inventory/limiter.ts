/**
 * A bound on the registry requests the inventory has in flight at once, with a fail-fast switch:
 * after the first failure, queued work is cancelled instead of hammering a registry that is down.
 */
export class CancelledError extends Error {
  constructor() {
    super('cancelled after an earlier failure');
    this.name = 'CancelledError';
  }
}

export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Queued and future tasks reject with CancelledError; running tasks finish. */
  cancel(): void;
}

export function createLimiter(concurrency: number): Limiter {
  let active = 0;
  let cancelled = false;
  const queue: Array<() => void> = [];

  // A finishing task hands its slot straight to the next waiter, so the bound holds exactly.
  const release = (): void => {
    const next = queue.shift();
    if (next) next();
    else active -= 1;
  };

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (cancelled) throw new CancelledError();
      if (active < concurrency) active += 1;
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        if (cancelled) throw new CancelledError();
        return await task();
      } finally {
        release();
      }
    },
    cancel() {
      cancelled = true;
    },
  };
}
