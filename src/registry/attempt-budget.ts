import { DEFAULT_RETRY_POLICY } from './http/backoff.js';
import type { RetryPolicy } from './http/backoff.js';

/**
 * The attempts of one logical request (a manifest read whole, a blob streamed into an upload), shared by every
 * layer that may send it again, so retries never multiply: the transport counts each request it sends, the copy
 * ladder restarts a stream only while attempts remain. The policy is the first transport's, unless given.
 */
export class AttemptBudget {
  private used_ = 0;
  private policy_: RetryPolicy | null;

  constructor(policy?: RetryPolicy) {
    this.policy_ = policy ?? null;
  }

  /** The first transport that sends for this request brings its host's policy. */
  adopt(policy: RetryPolicy): void {
    this.policy_ ??= policy;
  }

  get policy(): RetryPolicy {
    return this.policy_ ?? DEFAULT_RETRY_POLICY;
  }

  /** Attempts started so far. */
  get used(): number {
    return this.used_;
  }

  /** Starts an attempt; returns its number (1 for the first). */
  begin(): number {
    this.used_ += 1;
    return this.used_;
  }

  /** Whether another attempt may start after the ones so far. */
  canRetry(): boolean {
    return this.used_ < this.policy.attempts;
  }
}
