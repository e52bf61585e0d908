import { RegsyncError } from '../util/errors.js';

/** The optional last argument of every Registry method: an interrupted run aborts what is in flight. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** The typed error an aborted operation rejects with. */
export function abortedError(what: string, host?: string, cause?: unknown): RegsyncError {
  return new RegsyncError(`${what} was aborted`, {
    code: 'ABORTED',
    ...(host === undefined ? {} : { host }),
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Throws ABORTED when the signal has fired; call it before each step that touches the network or disk. */
export function throwIfAborted(options: CallOptions | undefined, what: string, host?: string): void {
  if (options?.signal?.aborted) throw abortedError(what, host, options.signal.reason);
}
