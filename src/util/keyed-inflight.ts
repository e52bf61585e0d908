import { abortReason, onAbort } from './abort-listeners.js';

/**
 * One in-flight promise per key: a second caller for a key already running joins it instead of starting the work
 * again (`shared: true`). The entry goes once the work settles, so a later call starts afresh. Owned by whoever
 * owns the work's scope (a run, a host's auth): nothing here is process-wide.
 */
export class KeyedInflight<T> {
  private readonly running = new Map<string, Promise<T>>();
  private readonly abortable = new Map<string, AbortableEntry<T>>();

  /** The running work for `key`, or `start()`'s, shared with every caller until it settles. */
  run(key: string, start: () => Promise<T>): { promise: Promise<T>; shared: boolean } {
    const existing = this.running.get(key);
    if (existing) return { promise: existing, shared: true };
    const promise = start().finally(() => {
      if (this.running.get(key) === promise) this.running.delete(key);
    });
    this.running.set(key, promise);
    return { promise, shared: false };
  }

  /**
   * Like `run`, for work that can be stopped: each caller stops waiting as soon as its own `signal` fires (rejecting
   * with its reason), and the shared work itself is aborted only when every caller waiting for it has gone. A
   * caller without a signal keeps it running.
   */
  runAbortable(key: string, signal: AbortSignal | undefined, start: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let entry = this.abortable.get(key);
    if (!entry) {
      const controller = new AbortController();
      const created: AbortableEntry<T> = { controller, waiting: 0, promise: Promise.resolve() as Promise<T> };
      created.promise = this.run(key, () => start(controller.signal)).promise.finally(() => {
        if (this.abortable.get(key) === created) this.abortable.delete(key);
      });
      this.abortable.set(key, created);
      entry = created;
    }
    const joined = entry;
    joined.waiting += 1;
    return untilAborted(joined.promise, signal).finally(() => {
      joined.waiting -= 1;
      if (joined.waiting === 0 && signal?.aborted) joined.controller.abort(signal.reason);
    });
  }

  /** Keys running now (tests check that nothing is left behind). */
  get size(): number {
    return this.running.size;
  }
}

interface AbortableEntry<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiting: number;
}

/** `promise`, or a rejection with the signal's reason as soon as it fires (the promise itself runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const stop = onAbort(signal, () => reject(abortReason(signal)));
    promise.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as the work rejected
        reject(error);
      },
    );
  });
}

/**
 * Work for one key runs one at a time, in call order; different keys run at once. A failed turn does not stop the
 * next one. The entry goes when the last queued turn settles.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with work queued or running (tests check that nothing is left behind). */
  get size(): number {
    return this.tails.size;
  }
}
