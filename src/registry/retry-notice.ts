/**
 * A request about to be sent again. The registry layer never writes to stderr: it hands these to the
 * pool's `onRetry`, and the command layer prints them (or not, with -q).
 */
export interface RetryNotice {
  method: string;
  /** The host as written in the config. */
  host: string;
  /** The request's path (no query: upload locations carry session state there). */
  path: string;
  /** The attempt about to start (2 for the first retry). */
  attempt: number;
  attempts: number;
  /** Why the previous attempt failed: `timed out after 30s`, `HTTP 503`, `connect ECONNREFUSED ...`. */
  reason: string;
  delayMs: number;
}

/** `retrying GET 127.0.0.1:5000/v2/app/tags/list (attempt 2 of 4): timed out after 30s` */
export function formatRetryNotice(notice: RetryNotice): string {
  return `retrying ${notice.method} ${notice.host}${notice.path} (attempt ${notice.attempt} of ${notice.attempts}): ${notice.reason}`;
}
