/**
 * One error type for everything regsync reports to a user. `code` is stable and machine-readable;
 * `message` is one short line that says what to do next; `details` is shown only with --verbose.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'USAGE'
  | 'AUTH_REQUIRED'
  | 'AUTH_FAILED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'TLS'
  | 'NETWORK'
  | 'REGISTRY'
  | 'DIGEST_MISMATCH'
  | 'MANIFEST_INVALID'
  | 'UNSUPPORTED'
  | 'PLAN_INVALID'
  | 'PLAN_STALE'
  | 'EXECUTOR'
  | 'ABORTED'
  | 'INTERNAL';

/**
 * What the user can do about an error, as data: the layer that raised it knows what went wrong, only the
 * command knows how the run was configured (config file, sync.sh flags) and so how to say what to change.
 * `host` is the registry host as written by the user.
 */
export type ErrorHint =
  /** The registry wants credentials and none were found. */
  | { kind: 'credentials'; host: string }
  /** The host's certificate is not trusted: its CA, or skip verification. */
  | { kind: 'tls-untrusted'; host: string }
  /** The host speaks plain HTTP where TLS was used. */
  | { kind: 'tls-unsupported'; host: string }
  /** The host speaks only HTTPS where plain HTTP was used. */
  | { kind: 'https-required'; host: string }
  /** The CA file configured for the host cannot be read. */
  | { kind: 'ca-file'; host: string }
  /** The host's catalog could not be listed: name the repositories instead. */
  | { kind: 'catalog'; host: string };

export interface RegsyncErrorFields {
  code: ErrorCode;
  cause?: unknown;
  host?: string;
  repository?: string;
  reference?: string;
  status?: number;
  details?: string;
  hint?: ErrorHint;
}

export class RegsyncError extends Error {
  readonly code: ErrorCode;
  readonly host: string | undefined;
  readonly repository: string | undefined;
  readonly reference: string | undefined;
  readonly status: number | undefined;
  readonly details: string | undefined;
  readonly hint: ErrorHint | undefined;

  constructor(message: string, fields: RegsyncErrorFields) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'RegsyncError';
    this.code = fields.code;
    this.host = fields.host;
    this.repository = fields.repository;
    this.reference = fields.reference;
    this.status = fields.status;
    this.details = fields.details;
    this.hint = fields.hint;
  }
}

export function isRegsyncError(error: unknown): error is RegsyncError {
  return error instanceof RegsyncError;
}

/** The hints of an error and of the RegsyncErrors it wraps, innermost first, each once. */
export function errorHints(error: RegsyncError): ErrorHint[] {
  const hints: ErrorHint[] = [];
  for (let current: unknown = error; isRegsyncError(current); current = current.cause) {
    const { hint } = current;
    if (hint && !hints.some((seen) => seen.kind === hint.kind && seen.host === hint.host)) hints.unshift(hint);
  }
  return hints;
}

/**
 * A broken internal invariant: a bug in regsync, never the user's input. `invariant` names the rule that broke
 * (e.g. "durations are validated before normalisation"), so a report says which one without a stack.
 */
export class InvariantError extends RegsyncError {
  readonly invariant: string;

  constructor(invariant: string, detail: string) {
    super(
      `internal error: invariant "${invariant}" does not hold (${detail}): a bug in regsync, please report it with the --verbose output`,
      {
        code: 'INTERNAL',
      },
    );
    this.name = 'InvariantError';
    this.invariant = invariant;
  }
}
