import type { ErrorCode, ErrorHint } from '../../util/errors.js';
import { RequestError } from '../retry-rule.js';

/** Where a request went, for messages. */
export interface RequestContext {
  method: string;
  host: string;
  path: string;
  repository?: string | undefined;
  reference?: string | undefined;
}

/** `CODE: message` pairs from a Distribution error body (`{"errors":[{"code","message","detail"}]}`). */
export function registryErrorText(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const errors = (parsed as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      return errors
        .map((entry) => {
          const { code, message } = (entry ?? {}) as { code?: unknown; message?: unknown };
          return [typeof code === 'string' ? code : '', typeof message === 'string' ? message : ''].filter(Boolean).join(': ');
        })
        .filter(Boolean)
        .join('; ');
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, 200);
}

const what = (context: RequestContext): string => {
  if (context.repository && context.reference) return `${context.repository}:${context.reference}`.replace(/:sha256:/, '@sha256:');
  return context.repository ?? context.path;
};

/**
 * An unexpected HTTP status as a RegsyncError (auth statuses are mapped by the caller, who knows the credentials).
 * `retryable`: whether another attempt may pass (the transport's retry decision says).
 */
export function statusError(context: RequestContext, status: number, body: string, extra?: string, retryable = false): RequestError {
  const registryText = registryErrorText(body);
  const suffix = `${registryText ? ` (${registryText})` : ''}${extra ? `: ${extra}` : ''}`;
  let code: ErrorCode = 'REGISTRY';
  let message = `${context.method} ${context.host}${context.path} failed with HTTP ${status}${suffix}`;
  let hint: ErrorHint | undefined;
  if (status === 404) {
    code = 'NOT_FOUND';
    message = `${what(context)} not found on ${context.host}${suffix}`;
  } else if (status === 403) {
    code = 'FORBIDDEN';
    message = `${context.host} denied ${context.method} on ${what(context)}${suffix}: check that the account may ${context.method === 'GET' || context.method === 'HEAD' ? 'pull' : 'push'} there`;
  } else if (status === 405) {
    code = 'UNSUPPORTED';
    message = `${context.host} does not allow ${context.method} ${context.path}${suffix}`;
  } else if (status === 400 && /HTTP request to an HTTPS server/i.test(body)) {
    code = 'TLS';
    message = `${context.host} expects HTTPS`;
    hint = { kind: 'https-required', host: context.host };
  }
  return new RequestError(message, {
    code,
    retryable,
    host: context.host,
    status,
    ...(context.repository ? { repository: context.repository } : {}),
    ...(context.reference ? { reference: context.reference } : {}),
    details: `${context.method} ${context.host}${context.path} → ${status} ${registryText}`,
    ...(hint ? { hint } : {}),
  });
}
