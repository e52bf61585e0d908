import type { RateLimit } from '../types.js';
import { rateLimitRemaining } from './backoff.js';

/** `100;w=21600` → { count: 100, windowSeconds: 21600 }; null when the header is absent or unreadable. */
export function parseRateLimitHeader(value: string | null): { count: number; windowSeconds: number | null } | null {
  const count = rateLimitRemaining(value);
  if (count === null) return null;
  const window = value === null ? null : /;\s*w=(\d+)/.exec(value);
  return { count, windowSeconds: window ? Number(window[1]) : null };
}

/**
 * What a host says about its pull budget (Docker Hub's `RateLimit-Limit` / `RateLimit-Remaining` on manifest
 * responses). Responses arrive out of order under concurrency, so the lowest remaining count seen is kept:
 * within one window the count only goes down.
 */
export class RateLimitTracker {
  private current: RateLimit | null = null;

  note(headers: { get(name: string): string | null }): void {
    const remaining = parseRateLimitHeader(headers.get('ratelimit-remaining'));
    if (remaining === null) return;
    const limit = parseRateLimitHeader(headers.get('ratelimit-limit'));
    const next: RateLimit = {
      limit: limit?.count ?? this.current?.limit ?? null,
      remaining: remaining.count,
      windowSeconds: remaining.windowSeconds ?? limit?.windowSeconds ?? this.current?.windowSeconds ?? null,
    };
    if (this.current === null || next.remaining <= this.current.remaining) this.current = next;
  }

  /** null until the host has sent the headers. */
  snapshot(): RateLimit | null {
    return this.current === null ? null : { ...this.current };
  }
}

/** Docker Hub says `RateLimit-Remaining: 0` before it starts answering 429: the time to hold new requests until, or null. */
export function exhaustedUntil(headers: { get(name: string): string | null }, now: number): number | null {
  const remaining = headers.get('ratelimit-remaining');
  const retryAfter = headers.get('retry-after');
  if (remaining !== null && /^\s*0\b/.test(remaining) && retryAfter !== null && /^\d+$/.test(retryAfter.trim())) {
    return now + Number(retryAfter.trim()) * 1000;
  }
  return null;
}
