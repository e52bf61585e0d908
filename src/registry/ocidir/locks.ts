/**
 * Serialises read-modify-write of one repository's index.json within this process. Another process writing the
 * same layout at the same time is not guarded against (the write itself is atomic: temp file + rename).
 */
export class RepositoryLocks {
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
}
