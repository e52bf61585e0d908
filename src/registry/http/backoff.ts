import { isRetryableStatus } from '../retry-rule.js';

/** How a host's requests are retried. */
export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubles each time. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the request fails and says how long to wait. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };

/** Exponential backoff with "full jitter": a random delay in [delay/2, delay] so parallel clients spread out. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date. null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** The number in Docker Hub's `RateLimit-Remaining: 0;w=21600` (null when absent). */
export function rateLimitRemaining(value: string | null): number | null {
  if (value === null) return null;
  const match = /^\s*(\d+)/.exec(value);
  return match ? Number(match[1]) : null;
}

/** The window in `RateLimit-Remaining: 0;w=21600`, in milliseconds (how long Docker Hub's limit lasts). */
function rateLimitWindowMs(value: string | null): number | null {
  const match = value ? /w=(\d+)/.exec(value) : null;
  return match ? Number(match[1]) * 1000 : null;
}

/** `retryable`: whether the status is one a later attempt may pass (the budget or the wait aside). */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false; why: string | null; retryable: boolean };

/**
 * What to do after a response with `status`: retry what `isRetryableStatus` allows (honouring Retry-After and Docker Hub's
 * rate-limit headers), give up on everything else. `attempt` is the attempt that just finished (1-based).
 */
export function retryDecision(
  policy: RetryPolicy,
  attempt: number,
  status: number,
  headers: { get(name: string): string | null },
  now: number,
  random: () => number = Math.random,
): RetryDecision {
  if (!isRetryableStatus(status)) return { retry: false, why: null, retryable: false };
  if (attempt >= policy.attempts) return { retry: false, why: `gave up after ${attempt} attempts`, retryable: true };
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  const exhausted = rateLimitRemaining(headers.get('ratelimit-remaining')) === 0;
  let delayMs = retryAfter ?? backoffDelay(policy, attempt, random);
  if (retryAfter === null && exhausted) delayMs = rateLimitWindowMs(headers.get('ratelimit-remaining')) ?? policy.maxRetryAfterMs + 1;
  if (delayMs > policy.maxRetryAfterMs) {
    return {
      retry: false,
      retryable: false,
      why: `the registry asks to wait ${Math.ceil(delayMs / 1000)} s${exhausted ? ' (rate limit exhausted: add credentials or try later)' : ''}`,
    };
  }
  return { retry: true, delayMs };
}
