import { isRegsyncError, RegsyncError } from '../util/errors.js';
import type { RegsyncErrorFields } from '../util/errors.js';

/**
 * The one rule for what a later attempt may cure, used by the transport (requests, token requests, bodies read
 * whole) and by the copy ladder (a blob stream restarted from its first byte), with one attempt count shared by
 * both per logical request.
 */

/** Statuses a later attempt may get past: the server's load, a gateway between, a timeout on its side. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Failures no later attempt cures: the name does not exist (ENOTFOUND is the resolver's definite answer;
 * EAI_AGAIN, a resolver that could not answer now, is retried like any other network failure).
 */
const PERMANENT_NETWORK_CODES: ReadonlySet<string> = new Set(['ENOTFOUND']);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** The first `code` in an error's cause chain that marks it permanent, if any. */
function permanentCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && PERMANENT_NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** Whether a failure below HTTP (a socket, a timeout, the resolver) may pass on a later attempt. */
export function isTransientFailure(error: unknown): boolean {
  return permanentCode(error) === null;
}

/** A failed request (or a body that broke) that says whether another attempt may cure it. */
export class RequestError extends RegsyncError {
  readonly retryable: boolean;

  constructor(message: string, fields: RegsyncErrorFields & { retryable: boolean }) {
    const { retryable, ...rest } = fields;
    super(message, rest);
    this.retryable = retryable;
  }
}

/**
 * Whether another attempt may cure `error`: a RequestError says so itself; bytes that did not match their digest
 * may have been damaged on the way; a raw error (a socket's, a stream's) is transient unless the resolver said
 * the name does not exist. Every other RegsyncError (authentication, TLS trust, not found, aborted) is final.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RequestError) return error.retryable;
  if (isRegsyncError(error)) return error.code === 'DIGEST_MISMATCH';
  return isTransientFailure(error);
}
