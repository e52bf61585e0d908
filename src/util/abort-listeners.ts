/**
 * One 'abort' listener per AbortSignal, fanned out to every callback registered on it. A run hands one signal to
 * every request, limiter wait and backoff of the run; each adding its own listener made Node print
 * MaxListenersExceededWarning on stderr as soon as more than 10 were in flight (per-host caps allow 8 per host,
 * and requests queue behind them). Here the signal carries one listener whatever the number of waiters, and a
 * waiter that finishes takes its callback out of the set, so nothing grows with the run.
 */
const fanOuts = new WeakMap<AbortSignal, Set<() => void>>();

function fanOutOf(signal: AbortSignal): Set<() => void> {
  let callbacks = fanOuts.get(signal);
  if (callbacks !== undefined) return callbacks;
  const registered = new Set<() => void>();
  callbacks = registered;
  fanOuts.set(signal, registered);
  signal.addEventListener(
    'abort',
    () => {
      const waiting = [...registered];
      registered.clear();
      for (const callback of waiting) {
        try {
          callback();
        } catch (error) {
          // As an event listener's exception would be: reported, without keeping the other waiters from hearing.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    },
    { once: true },
  );
  return registered;
}

/**
 * Calls `callback` once when `signal` fires; the returned function unregisters it (call it when the work is done).
 * Like addEventListener, nothing is called for a signal that has already fired: check `signal.aborted` first.
 */
export function onAbort(signal: AbortSignal | undefined, callback: () => void): () => void {
  if (signal === undefined || signal.aborted) return () => undefined;
  const callbacks = fanOutOf(signal);
  const once = (): void => callback();
  callbacks.add(once);
  return () => void callbacks.delete(once);
}

/** The signal's reason as an Error (an abort() without a reason gives a DOMException, which is one). */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}

/** Waits `ms`, or rejects with the signal's reason as soon as it fires (timers/promises' delay adds a listener per wait). */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    const stop = onAbort(signal, () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    });
    const timer = setTimeout(() => {
      stop();
      resolve();
    }, ms);
  });
}
