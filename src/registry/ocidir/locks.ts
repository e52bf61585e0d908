import { KeyedQueue } from '../../util/keyed-inflight.js';

/**
 * Serialises read-modify-write of one repository's index.json within this process. Another process writing the
 * same layout at the same time is not guarded against (the write itself is atomic: temp file + rename).
 */
export class RepositoryLocks {
  private readonly queue = new KeyedQueue();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.queue.run(key, task);
  }
}
