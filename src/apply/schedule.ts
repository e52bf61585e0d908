/** How runInLanes treats items: which lane each belongs to, whether it may still start, how to run or skip it. */
export interface LaneOptions<T> {
  /** Lanes in flight at once (each on one worker). */
  concurrency: number;
  /** Items of one lane run one after another, in the given order, on the same worker. */
  laneOf: (item: T) => string;
  /** Asked before each item starts; false (fail-fast, interrupt) skips it and everything not yet started. */
  mayStart: () => boolean;
  run: (item: T) => Promise<void>;
  skip: (item: T) => void;
}

/** Groups items into lanes by key, in order of first appearance. */
export function groupLanes<T>(items: readonly T[], laneOf: (item: T) => string): T[][] {
  const lanes = new Map<string, T[]>();
  for (const item of items) {
    const key = laneOf(item);
    const lane = lanes.get(key);
    if (lane) lane.push(item);
    else lanes.set(key, [item]);
  }
  return [...lanes.values()];
}

/**
 * Runs items with up to `concurrency` lanes in flight. A worker takes a whole lane and runs its items in order,
 * so the docker executor reuses one repository's layers before its removal queue drops them. `run` must not reject
 * (it records its own outcome); once `mayStart` says no, every remaining item is skipped.
 */
export async function runInLanes<T>(items: readonly T[], options: LaneOptions<T>): Promise<void> {
  const queue = groupLanes(items, options.laneOf);
  const worker = async (): Promise<void> => {
    for (let lane = queue.shift(); lane !== undefined; lane = queue.shift()) {
      for (const item of lane) {
        if (options.mayStart()) await options.run(item);
        else options.skip(item);
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, queue.length));
  await Promise.all(Array.from({ length: workers }, worker));
}
