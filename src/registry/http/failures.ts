import { RegsyncError } from '../../util/errors.js';

/** Why a request failed, in words, and which failures are TLS problems a retry cannot fix. */

const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
]);

const TLS_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown issuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown issuer',
  CERT_HAS_EXPIRED: 'certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this host',
};

const TIMEOUT_CODES = new Set(['REGSYNC_TIMEOUT']);

/** `30s`, or `1500ms` when not a whole number of seconds: how a timeout is named in messages. */
function formatTimeout(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Whether a request failed because the host's `timeout` passed without headers or body bytes. */
function isTimeout(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Why a request failed, in words: `timed out after 30s`, or the innermost error's message. */
export function failureReason(error: unknown, timeoutMs: number): string {
  return isTimeout(error) ? `timed out after ${formatTimeout(timeoutMs)}` : rootCause(error).message;
}

/** The innermost error with a `code` (errors may wrap their cause). */
function rootCause(error: unknown): { code: string | undefined; message: string } {
  let current: unknown = error;
  let found: { code: string | undefined; message: string } = { code: undefined, message: String((error as Error)?.message ?? error) };
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof message === 'string' && message !== 'fetch failed') found = { code: typeof code === 'string' ? code : found.code, message };
    else if (typeof code === 'string') found = { ...found, code };
    current = (current as { cause?: unknown }).cause;
  }
  return found;
}

/** A TLS problem that retrying cannot fix, as a RegsyncError with a hint of what to change; null for other errors. */
export function tlsError(error: unknown, host: string): RegsyncError | null {
  const { code, message } = rootCause(error);
  if (code && TLS_TRUST_CODES.has(code)) {
    const reason = TLS_REASONS[code] ?? message;
    return new RegsyncError(`TLS certificate of ${host} is not trusted (${reason})`, {
      code: 'TLS',
      host,
      cause: error,
      details: message,
      hint: { kind: 'tls-untrusted', host },
    });
  }
  if (/wrong version number|packet length too long|EPROTO/i.test(`${code ?? ''} ${message}`)) {
    return new RegsyncError(`${host} does not speak TLS`, {
      code: 'TLS',
      host,
      cause: error,
      details: message,
      hint: { kind: 'tls-unsupported', host },
    });
  }
  return null;
}
