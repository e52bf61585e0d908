import type { RateLimitReached } from '../registry/index.js';
import { formatSeconds } from '../util/duration.js';
import type { ResolvedChange } from './locations.js';

/** Asks the run's registry pool whether a host (as written) has spent its pull budget. */
export type RateLimitReachedOf = (location: string) => RateLimitReached | null;

/** `2026-12-01T17:15Z (in 5h59min)` or, when the host did not say, the longest it can be. */
function retryAfterText(reached: RateLimitReached, now: number): string {
  if (reached.retryAt !== null) {
    const at = new Date(Math.ceil(reached.retryAt / 60_000) * 60_000).toISOString().replace(/:00\.000Z$/, 'Z');
    return `${at} (in ${formatSeconds(Math.max(0, (reached.retryAt - now) / 1000))})`;
  }
  if (reached.windowSeconds !== null) {
    const window = formatSeconds(reached.windowSeconds);
    return `its ${window} window resets (at most ${window} from now)`;
  }
  return 'the registry resets its limit (it did not say when)';
}

/** `rate limit reached at docker.io; retry after ...`: what a change at a spent host fails with. */
export function rateLimitMessage(host: string, reached: RateLimitReached, now: number): string {
  return `rate limit reached at ${host}; retry after ${retryAfterText(reached, now)}, then run apply again to complete this change`;
}

/**
 * The message a change fails with instead of starting, when its source host (where the manifest pulls happen)
 * has spent its budget in this run; null while it has budget left. Deletes and ocidir sources pull nothing.
 */
export function rateLimitGate(reachedOf: RateLimitReachedOf | undefined): (resolved: ResolvedChange) => string | null {
  return (resolved) => {
    const source = resolved.source;
    if (reachedOf === undefined || source === null || source.scheme !== 'registry') return null;
    const reached = reachedOf(source.location);
    return reached === null ? null : rateLimitMessage(source.registry.name, reached, Date.now());
  };
}
