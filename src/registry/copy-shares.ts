import { KeyedInflight, KeyedQueue } from '../util/keyed-inflight.js';

/**
 * What the copies of one run share while they run, so concurrent copies into one repository never send the same
 * write twice at once (Distribution 2.8 corrupts a repository's link files when one blob is uploaded into it twice
 * at once, or a manifest is PUT while an index naming it is PUT). Owned by the run (apply's registry executor makes
 * one per run; a copyImage without one shares only with itself), so two runs in one process share nothing.
 */
export class CopyShares {
  /** target registry + repository + digest → the blob transfer running there (its waiters need only its end). */
  readonly blobs = new KeyedInflight<void>();
  /** target registry + repository + digest → the child manifest PUT (or HEAD) running there. */
  readonly children = new KeyedInflight<string>();
  /** target registry + repository + digest → tag PUTs of that digest, one at a time. */
  readonly tagPuts = new KeyedQueue();

  static key(registry: string, repository: string, digest: string): string {
    return `${registry}\u0000${repository}\u0000${digest}`;
  }
}
