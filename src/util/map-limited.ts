/**
 * `Promise.all(items.map(fn))` with at most `width` calls of `fn` pending at once: each item's work (its request,
 * its state) is created when a slot frees, so memory follows the work in flight, not the number of items. Like
 * Promise.all it rejects with the first failure and the items already begun run on; so do the ones not yet begun
 * (the same requests are made whatever fails first), their failures going unobserved.
 */
export function mapLimited<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  if (items.length <= width) return Promise.all(items.map(fn));
  const results = new Array<R>(items.length);
  let next = 0;
  return new Promise<R[]>((resolve, reject) => {
    let running = 0;
    let failed = false;
    const start = (): void => {
      while (running < width && next < items.length) {
        const index = next++;
        running += 1;
        fn(items[index]!).then(
          (value) => {
            results[index] = value;
            running -= 1;
            if (next < items.length) start();
            else if (running === 0 && !failed) resolve(results);
          },
          (error: unknown) => {
            running -= 1;
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the task's own rejection, as Promise.all gives it.
            if (!failed) reject(error);
            failed = true;
            start();
          },
        );
      }
    };
    start();
  });
}
