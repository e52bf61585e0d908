import type { Inventory, MirrorInventory } from '../plan/types.js';
import { Failures, isRecordedOrCancelled } from './failures.js';
import { createLimiter } from '../util/concurrency.js';
import { gatherMirror } from './mirror.js';
import { KeyedInflight } from '../util/keyed-inflight.js';
import type { ManifestFacts } from './facts-cache.js';
import type { GatherOptions } from './types.js';

/** Reads in flight per host (the host's own connection slots bound the requests further). */
const DEFAULT_CONCURRENCY = 32;

/**
 * Gathers the facts the planner needs for each mirror, with registry reads only. Every failing
 * read is reported (host, repository, cause); facts learnt are written to the on-disk cache even
 * when the plan fails, so a retry is cheaper.
 */
export async function gatherInventory(options: GatherOptions): Promise<Inventory> {
  const failures = new Failures(() => createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY), options.cancel);
  const context = {
    pool: options.pool,
    selection: options.selection,
    // The run's reads in flight when it passes them (src/run/context.ts); else this gather's own.
    facts: {
      cache: Promise.resolve(options.cache),
      inFlight: options.factsInFlight ?? new KeyedInflight<ManifestFacts>(),
      signal: failures.signal,
    },
    failures,
    onProgress: options.onProgress ?? (() => undefined),
  };
  try {
    const results = await Promise.allSettled(options.mirrors.map((mirror) => gatherMirror(context, mirror)));
    // A mirror stops at its first failed read while its other reads still run: wait for them (aborted, they end
    // at once), so the error counts every failure and nothing is printed about them after it.
    await failures.settled();
    const failure = failures.toError();
    if (failure) throw failure;
    const mirrors: MirrorInventory[] = [];
    for (const result of results) {
      if (result.status === 'fulfilled') mirrors.push(result.value);
      else if (!isRecordedOrCancelled(result.reason)) throw result.reason;
    }
    // Source repositories that failed alone: the plan goes on without them and names them.
    const unread = failures.repositories.map(({ mirror, host, repository, error }) => ({ mirror, host, repository, error: error.message }));
    return unread.length === 0 ? { mirrors } : { mirrors, failures: unread };
  } finally {
    await (await options.cache).flush();
  }
}
