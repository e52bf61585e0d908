import type { RateLimit, RateLimitReached } from '../types.js';
import { parseRetryAfter, rateLimitRemaining } from './backoff.js';

type Headers = { get(name: string): string | null };

/** `100;w=21600` → { count: 100, windowSeconds: 21600 }; null when the header is absent or unreadable. */
export function parseRateLimitHeader(value: string | null): { count: number; windowSeconds: number | null } | null {
  const count = rateLimitRemaining(value);
  if (count === null) return null;
  const window = value === null ? null : /;\s*w=(\d+)/.exec(value);
  return { count, windowSeconds: window ? Number(window[1]) : null };
}

/** When the host says its budget comes back: Retry-After (seconds or a date), else `RateLimit-Reset` (seconds). */
function retryAt(headers: Headers, now: number): number | null {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== null) return now + retryAfter;
  const reset = headers.get('ratelimit-reset');
  return reset !== null && /^\s*\d+\s*$/.test(reset) ? now + Number(reset.trim()) * 1000 : null;
}

/**
 * What a host says about its pull budget (Docker Hub's `RateLimit-Limit` / `RateLimit-Remaining` on manifest
 * responses). Responses arrive out of order under concurrency, so the lowest remaining count seen is kept:
 * within one window the count only goes down. Once the count reaches 0, or the host refuses a request with a
 * 429 that asks to wait longer than a retry waits, the budget is spent until the time the host gave (for the
 * rest of the run when it gave none): apply starts no more changes there meanwhile.
 */
export class RateLimitTracker {
  private current: RateLimit | null = null;
  private spent: RateLimitReached | null = null;

  note(headers: Headers, now = Date.now()): void {
    const remaining = parseRateLimitHeader(headers.get('ratelimit-remaining'));
    if (remaining === null) return;
    const limit = parseRateLimitHeader(headers.get('ratelimit-limit'));
    const next: RateLimit = {
      limit: limit?.count ?? this.current?.limit ?? null,
      remaining: remaining.count,
      windowSeconds: remaining.windowSeconds ?? limit?.windowSeconds ?? this.current?.windowSeconds ?? null,
    };
    if (this.current === null || next.remaining <= this.current.remaining) this.current = next;
    if (next.remaining === 0) this.exhausted(headers, now);
  }

  /**
   * A 429 given up on. A budget signal (none remains, or a wait beyond `maxRetryAfterMs`) spends the budget; a
   * burst 429 that merely ran out of attempts (Retry-After: 2) fails its request and leaves the host open.
   */
  refused(headers: Headers, maxRetryAfterMs: number, now = Date.now()): void {
    const at = retryAt(headers, now);
    const noneLeft = rateLimitRemaining(headers.get('ratelimit-remaining')) === 0;
    if (noneLeft || (at !== null && at - now > maxRetryAfterMs)) this.exhausted(headers, now);
  }

  /** The host said none of its budget remains. */
  exhausted(headers: Headers, now = Date.now()): void {
    const earlier = this.spent?.retryAt ?? null;
    const at = retryAt(headers, now) ?? (earlier !== null && earlier > now ? earlier : null);
    const windowSeconds = parseRateLimitHeader(headers.get('ratelimit-remaining'))?.windowSeconds ?? this.current?.windowSeconds ?? null;
    this.spent = { retryAt: at, windowSeconds };
  }

  /** null until the host has sent the headers. */
  snapshot(): RateLimit | null {
    return this.current === null ? null : { ...this.current };
  }

  /** null while the host has budget left (or never said), and again once the time it gave has come. */
  reached(now = Date.now()): RateLimitReached | null {
    if (this.spent !== null && this.spent.retryAt !== null && now >= this.spent.retryAt) this.spent = null;
    return this.spent === null ? null : { ...this.spent };
  }
}

/** Docker Hub says `RateLimit-Remaining: 0` before it starts answering 429: the time to hold new requests until, or null. */
export function exhaustedUntil(headers: Headers, now: number): number | null {
  const remaining = headers.get('ratelimit-remaining');
  const retryAfter = headers.get('retry-after');
  if (remaining !== null && /^\s*0\b/.test(remaining) && retryAfter !== null && /^\d+$/.test(retryAfter.trim())) {
    return now + Number(retryAfter.trim()) * 1000;
  }
  return null;
}
