import { onAbort } from '../util/abort-listeners.js';
import { InvariantError, isRegsyncError } from '../util/errors.js';
import { redact } from '../util/redact.js';
import type { ResolvedChange } from './locations.js';
import { checkPreconditions } from './preconditions.js';
import type { ChangeTracker } from './tracker.js';
import type { ChangeResult, Executor } from './types.js';

/** What runChange needs besides the change itself. */
export interface ChangeRunDeps {
  executors: ReadonlyMap<string, Executor>;
  remove(resolved: ResolvedChange, signal: AbortSignal): Promise<void>;
  signal: AbortSignal;
  /** Secrets to mask in error messages (passwords, tokens the clients used). */
  secrets(): Iterable<string>;
  /** `rate limit reached at HOST; retry after ...` once the change's source host has spent its budget, else null. */
  rateLimited(resolved: ResolvedChange): string | null;
}

function failureMessage(resolved: ResolvedChange, error: unknown, deps: ChangeRunDeps): string {
  const { change } = resolved;
  if (deps.signal.aborted) return `${change.action} ${change.target.ref}: interrupted before it finished; run apply again to complete it`;
  const cause = error instanceof Error ? error.message : String(error);
  // Refused for its pull budget part way: say when to run again, with the registry's own words after.
  const limited = isRegsyncError(error) && error.status === 429 ? deps.rateLimited(resolved) : null;
  return `${change.action} ${change.target.ref}: ${limited === null ? cause : `${limited} (${cause})`}`;
}

/**
 * Settles with `work`, or rejects as soon as `signal` aborts: the run goes on to close its executors and report
 * even when a registry call does not yet listen to the signal (the abandoned call fails when the pool closes, and
 * the copy checks the signal between steps, so it writes nothing more).
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const stopListening = onAbort(signal, () => reject(signal.reason as Error));
    work.then(resolve, reject).finally(stopListening);
  });
}

async function execute(resolved: ResolvedChange, tracker: ChangeTracker, deps: ChangeRunDeps): Promise<number> {
  const { change } = resolved;
  if (change.action === 'delete') {
    await deps.remove(resolved, deps.signal);
    return 0;
  }
  const executor = deps.executors.get(change.executor);
  if (executor === undefined) {
    throw new InvariantError('an executor exists for every executor the plan names', `no ${change.executor} executor for ${change.id}`);
  }
  if (resolved.source === null) throw new InvariantError('every create and update has a source', `${change.id} has none`);
  const { bytes } = await executor.copy(change, {
    signal: deps.signal,
    progress: tracker,
    source: resolved.source,
    target: resolved.target,
  });
  return bytes;
}

/**
 * Runs one change: compare and swap on both ends, then the copy or the delete. Never rejects: every outcome,
 * a registry failure included, becomes the change's result with a one-line message naming host, reference and cause.
 */
export async function runChange(resolved: ResolvedChange, tracker: ChangeTracker, deps: ChangeRunDeps): Promise<ChangeResult> {
  const { change } = resolved;
  const started = Date.now();
  const result = (status: ChangeResult['status'], error: string | null, bytes = 0): ChangeResult => ({
    id: change.id,
    action: change.action,
    status,
    error: error === null ? null : redact(error, deps.secrets()),
    durationMs: Date.now() - started,
    bytes,
  });
  tracker.start();
  // Asked before the change starts and again after the source HEAD (free on Docker Hub, and it carries the
  // remaining count): a spent budget fails the change at once instead of a pull the registry refuses.
  const limited = (): ChangeResult | null => {
    const message = deps.rateLimited(resolved);
    return message === null ? null : result('failed', `${change.action} ${change.target.ref}: ${message}`);
  };
  const attempt = async (): Promise<ChangeResult> => {
    const before = limited();
    if (before !== null) return before;
    const precondition = await checkPreconditions(resolved, deps.signal);
    if (precondition.kind === 'done') tracker.output('already as planned at the destination: nothing to do');
    // Counted apart from what this run wrote: a plan applied twice must not report its changes made twice.
    if (precondition.kind === 'done') return result('present', null);
    if (precondition.kind === 'stale') return result('stale', precondition.message);
    if (precondition.kind === 'failed') return result('failed', `${change.action} ${change.target.ref}: ${precondition.message}`);
    return limited() ?? result('done', null, await execute(resolved, tracker, deps));
  };
  try {
    return await untilAborted(attempt(), deps.signal);
  } catch (error) {
    return result('failed', failureMessage(resolved, error, deps));
  }
}
