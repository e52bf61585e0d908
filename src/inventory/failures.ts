import { isRegsyncError, RegsyncError } from '../util/errors.js';
import type { ErrorCode, ErrorHint } from '../util/errors.js';
import { CancelledError } from '../util/concurrency.js';
import type { Limiter } from '../util/concurrency.js';

/** What was being read when a request failed: enough for a message naming host and repository. */
export interface ReadContext {
  mirror: string;
  host: string;
  repository: string;
  what: string;
  /** The next step when the registry refused the read (not for network or TLS failures), worded by the command. */
  hint?: ErrorHint;
}

/**
 * Collects every failing read (no repository is silently dropped) and stops queued work after the
 * first, so an unreachable registry fails the plan quickly with its host and cause: the reads in flight are
 * aborted through `signal` (a read being retried stops retrying), and `settled()` waits for them, so the error
 * counts every read that failed and nothing about the others is printed after it.
 */
export class Failures {
  readonly errors: RegsyncError[] = [];
  /** Source repositories that could not be read, the first failure of each: the plan goes on without them. */
  readonly repositories: { mirror: string; host: string; repository: string; error: RegsyncError }[] = [];
  private readonly failedRepositories = new Set<string>();
  private readonly controller: AbortController;
  private readonly inflight = new Set<Promise<unknown>>();
  /**
   * One bound per host: with a single shared one, the reads queued for a busy host held its slots while they
   * waited for that host's connections, and the other host (the destination of a no-op plan) sat half idle.
   */
  private readonly limiters = new Map<string, Limiter>();
  private cancelled = false;

  /** `controller` is aborted at the first failure (the command also stops printing retries of the reads then). */
  constructor(
    private readonly newLimiter: () => Limiter,
    controller: AbortController = new AbortController(),
  ) {
    this.controller = controller;
  }

  /** Aborted once a read has failed: every read passes it to its registry calls. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Runs one read through its host's limiter; a failure is recorded with its context and rethrown. */
  async read<T>(context: ReadContext, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const running = this.track(this.limiterFor(context.host).run(() => task(this.signal)));
    try {
      return await running;
    } catch (error) {
      if (error instanceof CancelledError || error instanceof RecordedError) throw error;
      // Aborted because another read failed first: cancelled, not one more failure.
      if ((this.cancelled || this.controller.signal.aborted) && isAbort(error)) throw new CancelledError();
      this.fail(context, error);
    }
  }

  /**
   * One read of a source repository (its tag list, its manifests): a failure that concerns that repository alone
   * (a 5xx after retries, a broken manifest, a reset connection) is recorded against it and the other reads go on
   * (RepositoryFailedError tells the caller to drop the repository); a failure of the whole host (authentication,
   * TLS, a refused connection, a name that does not resolve) fails the plan as `read` does.
   */
  async readRepository<T>(context: ReadContext, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const running = this.track(this.limiterFor(context.host).run(() => task(this.signal)));
    try {
      return await running;
    } catch (error) {
      if (error instanceof CancelledError || error instanceof RecordedError) throw error;
      if ((this.cancelled || this.controller.signal.aborted) && isAbort(error)) throw new CancelledError();
      if (failsTheHost(error)) this.fail(context, error);
      const key = `${context.mirror}\0${context.host}\0${context.repository}`;
      if (!this.failedRepositories.has(key)) {
        this.failedRepositories.add(key);
        this.repositories.push({ mirror: context.mirror, host: context.host, repository: context.repository, error: wrap(context, error) });
      }
      throw new RepositoryFailedError();
    }
  }

  /**
   * Runs one read through its host's limiter and hands back its failure instead of recording it: for a read
   * whose failure has a way around it (the catalog, when the source prefix is itself a repository).
   * Cancellation still rejects.
   */
  async attempt<T>(context: ReadContext, task: (signal: AbortSignal) => Promise<T>): Promise<{ value: T } | { error: unknown }> {
    const running = this.track(this.limiterFor(context.host).run(() => task(this.signal)));
    try {
      return { value: await running };
    } catch (error) {
      if (error instanceof CancelledError || error instanceof RecordedError) throw error;
      if ((this.cancelled || this.controller.signal.aborted) && isAbort(error)) throw new CancelledError();
      return { error };
    }
  }

  /** Records a failure `attempt` handed back, as `read` would have: the plan then fails with it. */
  fail(context: ReadContext, error: unknown): never {
    this.errors.push(wrap(context, error));
    this.cancel();
    throw new RecordedError();
  }

  /** Remembers a read until it settles, so `settled()` can wait for it. */
  private track<T>(running: Promise<T>): Promise<T> {
    this.inflight.add(running);
    const forget = (): void => void this.inflight.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** Resolves once no read is in flight (the callers of a failed read stop waiting at its first rejection). */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private limiterFor(host: string): Limiter {
    let limiter = this.limiters.get(host);
    if (limiter === undefined) {
      limiter = this.newLimiter();
      if (this.cancelled) limiter.cancel();
      this.limiters.set(host, limiter);
    }
    return limiter;
  }

  /** Fail fast: queued and later reads of every host reject with CancelledError. */
  private cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const limiter of this.limiters.values()) limiter.cancel();
    this.controller.abort(new CancelledError());
  }

  /** One error for the command: the first failure in the message, all of them in details. */
  toError(): RegsyncError | null {
    const [first, ...rest] = this.errors;
    if (first === undefined) return null;
    if (rest.length === 0) return first;
    const more = rest.length === 1 ? '1 more read failed' : `${rest.length} more reads failed`;
    return new RegsyncError(`${first.message} (${more}; --verbose lists them)`, {
      code: first.code,
      cause: first,
      ...(first.host === undefined ? {} : { host: first.host }),
      ...(first.repository === undefined ? {} : { repository: first.repository }),
      details: this.errors.map((error) => error.message).join('\n'),
    });
  }
}

/** Marks an error already recorded, so callers up the chain do not record it twice. */
class RecordedError extends Error {
  constructor() {
    super('recorded');
    this.name = 'RecordedError';
  }
}

/** A source repository's read failed and was recorded against it alone: the caller leaves the repository out. */
export class RepositoryFailedError extends RecordedError {
  constructor() {
    super();
    this.name = 'RepositoryFailedError';
  }
}

/** Codes that say the host (or the credentials for it) is wrong, not one repository: no other read there can pass. */
const HOST_WIDE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['AUTH_REQUIRED', 'AUTH_FAILED', 'FORBIDDEN', 'TLS']);
/** Socket failures that no repository of the host gets past: nothing listens, or the name does not resolve. */
const HOST_WIDE_SOCKET_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Codes a single repository's read may fail with while its neighbours read fine. */
const REPOSITORY_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'REGISTRY',
  'NOT_FOUND',
  'NETWORK',
  'DIGEST_MISMATCH',
  'MANIFEST_INVALID',
  'UNSUPPORTED',
]);

/** Whether a failed read condemns every read of its host (fatal, fast) rather than its repository alone. */
export function failsTheHost(error: unknown): boolean {
  // Not a registry error: a bug, never to be hidden in a list of unreadable repositories.
  if (!isRegsyncError(error)) return true;
  if (HOST_WIDE_CODES.has(error.code) || !REPOSITORY_CODES.has(error.code)) return true;
  if (error.status === 401 || error.status === 403) return true;
  return error.code === 'NETWORK' && socketCode(error) !== null;
}

/** The first host-wide socket code in an error's cause chain, if any. */
function socketCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && HOST_WIDE_SOCKET_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** An error made by aborting a call (the registry layer's ABORTED, or a bare AbortError from a stream). */
function isAbort(error: unknown): boolean {
  if (isRegsyncError(error)) return error.code === 'ABORTED';
  return error instanceof CancelledError || (error instanceof Error && error.name === 'AbortError');
}

/** True for the markers above: the real cause is in Failures.errors. */
export function isRecordedOrCancelled(error: unknown): boolean {
  return error instanceof RecordedError || error instanceof CancelledError;
}

function wrap(context: ReadContext, error: unknown): RegsyncError {
  const cause = error instanceof Error ? error.message : String(error);
  const code: ErrorCode = isRegsyncError(error) ? error.code : 'REGISTRY';
  const where = context.repository === '' ? context.host : `${context.host}/${context.repository}`;
  const refused = code !== 'NETWORK' && code !== 'TLS';
  return new RegsyncError(`mirror ${context.mirror}: cannot ${context.what} ${where}: ${cause}`, {
    code,
    cause: error,
    host: context.host,
    repository: context.repository,
    ...(isRegsyncError(error) && error.status !== undefined ? { status: error.status } : {}),
    ...(isRegsyncError(error) && error.details !== undefined ? { details: error.details } : {}),
    ...(context.hint !== undefined && refused ? { hint: context.hint } : {}),
  });
}
