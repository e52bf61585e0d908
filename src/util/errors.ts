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
  | 'INTERNAL';

export interface RegsyncErrorFields {
  code: ErrorCode;
  cause?: unknown;
  host?: string;
  repository?: string;
  reference?: string;
  status?: number;
  details?: string;
}

export class RegsyncError extends Error {
  readonly code: ErrorCode;
  readonly host: string | undefined;
  readonly repository: string | undefined;
  readonly reference: string | undefined;
  readonly status: number | undefined;
  readonly details: string | undefined;

  constructor(message: string, fields: RegsyncErrorFields) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'RegsyncError';
    this.code = fields.code;
    this.host = fields.host;
    this.repository = fields.repository;
    this.reference = fields.reference;
    this.status = fields.status;
    this.details = fields.details;
  }
}

export function isRegsyncError(error: unknown): error is RegsyncError {
  return error instanceof RegsyncError;
}
