import { abortableDelay } from '../../util/abort-listeners.js';
import type { Agent } from 'node:http';
import type { Limiter } from '../../util/concurrency.js';
import { RegsyncError } from '../../util/errors.js';
import { redact, redactUrl } from '../../util/redact.js';
import type { HostAuth, TokenResponse } from './auth.js';
import { backoffDelay, retryDecision } from './backoff.js';
import type { RetryPolicy } from './backoff.js';
import { statusError } from './errors.js';
import { drain, exchange, isStream, readText } from './exchange.js';
import type { Response } from './exchange.js';
import { challengeErrorOf } from './challenge.js';

export type { Body, Method, Response } from './exchange.js';
export type { SendRequest } from './send-request.js';
export { drain, readText } from './exchange.js';
import type { RequestContext } from './errors.js';
import type { StatsCounter } from './stats.js';
import { failureReason, tlsError } from './failures.js';
import type { SendRequest } from './send-request.js';
import { AttemptBudget } from '../attempt-budget.js';
import { isRetryable, isTransientFailure, RequestError } from '../retry-rule.js';
import { Connections } from './connections.js';
import { exhaustedUntil } from './rate-limits.js';
import type { RateLimitTracker } from './rate-limits.js';
import { formatRetryNotice } from '../retry-notice.js';
import { targetOf } from './target.js';
import type { Target } from './target.js';
import { abortedError } from '../abort.js';
import type { RetryNotice } from '../retry-notice.js';

export interface TransportDeps {
  /** The host as written in the config (messages, config keys). */
  host: string;
  /** `scheme://host[:port]` of the registry API. */
  base: string;
  agent: () => Agent;
  /** The host's slots: each exchange holds one until its response body is finished, so connections <= slots. */
  limiter: Limiter;
  /**
   * Streamed bodies (blob downloads) keep their slot only through these permits, one fewer than the slots:
   * an upload to the same host fed by such a download always finds a slot. null with a single slot: a
   * streamed body then gives its slot back once its headers arrive (one more connection, no deadlock).
   */
  streamPermits: Limiter | null;
  retry: RetryPolicy;
  stats: StatsCounter;
  rateLimits: RateLimitTracker;
  auth: () => HostAuth;
  log: (line: string) => void;
  /** Milliseconds to wait for response headers, and for each next piece of a body. */
  timeoutMs: number;
  onRetry?: (notice: RetryNotice) => void;
}

const is2xx = (status: number): boolean => status >= 200 && status < 300;

/** Calls `done` once the response body is finished: read to its end, discarded or destroyed. */
function whenFinished(response: Response, done: () => void): void {
  if (response.body.closed) done();
  else response.body.once('close', done);
}

function embeddedRegsyncError(error: unknown): RegsyncError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    if (current instanceof RegsyncError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * Every request to one registry host goes through here: the host's concurrency cap, authentication,
 * retries with backoff, manual redirects (Authorization never leaves the registry's origin) and counting.
 * What is retried is `isRetryable`'s rule; how often, the request's AttemptBudget (shared with a caller that
 * may send it again itself, so retries never multiply).
 */
export class Transport {
  private readonly connections: Connections;

  constructor(private readonly deps: TransportDeps) {
    this.connections = new Connections({
      host: deps.host,
      base: deps.base,
      agent: deps.agent,
      stats: deps.stats,
      timeoutMs: deps.timeoutMs,
      log: (line) => this.log(line),
    });
  }

  get host(): string {
    return this.deps.host;
  }

  /** `scheme://host[:port]` of the registry API. */
  get base(): string {
    return this.deps.base;
  }

  /** Why a request or body failed, in words (`timed out after 30s` for this host's timeout). */
  reason(error: unknown): string {
    return redact(failureReason(error, this.deps.timeoutMs), this.deps.auth().secrets());
  }

  log(line: string): void {
    this.deps.log(redact(line, this.deps.auth().secrets()));
  }

  close(): void {
    this.connections.close();
  }

  /** Sends a request; returns the response when its status is accepted, throws a RegsyncError otherwise. */
  send(request: SendRequest): Promise<Response> {
    const permits = request.streamsBody ? this.deps.streamPermits : null;
    // Most requests (every HEAD of a plan) hold no permit: no extra async step for them.
    return permits === null ? this.sendWithRetries(request) : this.sendWithPermit(request, permits);
  }

  private async sendWithPermit(request: SendRequest, permits: Limiter): Promise<Response> {
    let permit: () => void;
    try {
      permit = await permits.acquire(request.signal);
    } catch (error) {
      this.rethrow(request, error);
    }
    try {
      const response = await this.sendWithRetries(request);
      if (permit) whenFinished(response, permit);
      return response;
    } catch (error) {
      permit?.();
      throw error;
    }
  }

  private budgetFor(request: SendRequest): AttemptBudget {
    const budget = request.budget ?? new AttemptBudget();
    budget.adopt(this.deps.retry);
    return budget;
  }

  private async sendWithRetries(request: SendRequest): Promise<Response> {
    const url = this.connections.targets.of(request.url);
    // Only a failure needs it: not built for every request.
    const context = (): RequestContext => ({
      method: request.method,
      host: this.deps.host,
      path: url.pathname,
      repository: request.repository,
      reference: request.reference,
    });
    const accept = request.accept ?? is2xx;
    const budget = this.budgetFor(request);
    const { retry } = this.deps;
    let reauthenticated = false;
    let nextAuth: string | null = null;
    // This request's own challenge: what its failure says, whatever other requests to the host were told meanwhile.
    let challengeError: string | undefined;
    let attempt = budget.used;
    for (;;) {
      this.checkAborted(request, url);
      // A re-send with fresh credentials after a 401 is the same attempt.
      if (nextAuth === null) attempt = budget.begin();
      let authorization: string | null = nextAuth;
      if (authorization === null) {
        const known = this.deps.auth().headerNow(request.scopes);
        authorization = known !== undefined ? known : await this.authHeader(request);
      }
      nextAuth = null;
      const response = await this.attempt(url, request, authorization, budget, attempt);
      if (response === null) continue;
      const { status } = response;
      if (status === 401) {
        await drain(response);
        if (!reauthenticated) {
          reauthenticated = true;
          const challenge = response.headers.get('www-authenticate');
          challengeError = challengeErrorOf(challenge);
          const header: string | null = await this.deps
            .auth()
            .challenged(challenge, request.scopes, authorization, request.signal)
            .catch((error: unknown) => this.rethrow(request, error));
          if (header !== null && !isStream(request.body)) {
            nextAuth = header;
            continue;
          }
        }
        throw await this.deps.auth().failure(context(), challengeError);
      }
      // Most registries send no rate-limit headers: no bookkeeping then.
      if (response.headers.hasAny?.('ratelimit-remaining', 'ratelimit-limit', 'retry-after') ?? true) {
        if (request.manifest) this.deps.rateLimits.note(response.headers);
        const holdUntil = exhaustedUntil(response.headers, Date.now());
        // Held only as long as a retry would wait: an hours-long hold would hang every request to the host, while
        // unheld requests fail at once (and apply starts no more changes on a host whose budget is spent).
        if (holdUntil !== null && holdUntil - Date.now() <= retry.maxRetryAfterMs) this.deps.limiter.pauseUntil(holdUntil);
      }
      if (accept(status)) return response;
      const decision = retryDecision(budget.policy, attempt, status, response.headers, Date.now());
      if (decision.retry && !isStream(request.body)) {
        await drain(response);
        if (status === 429) this.deps.limiter.pauseUntil(Date.now() + decision.delayMs);
        await this.beforeRetry(request, url, attempt + 1, budget, `HTTP ${status}`, decision.delayMs);
        continue;
      }
      // Refused for good on a budget signal: apply starts nothing more here. A 429 on a streamed body that would
      // have been retried is not given up on: the caller (a blob copy) restarts it.
      if (status === 429 && !decision.retry) this.deps.rateLimits.refused(response.headers, retry.maxRetryAfterMs);
      const text = await readText(response, 64 * 1024);
      throw statusError(
        context(),
        status,
        redact(text, this.deps.auth().secrets()),
        decision.retry ? undefined : (decision.why ?? undefined),
        decision.retry || decision.retryable,
      );
    }
  }

  /**
   * Sends a request and reads its whole body (manifests, configs, lists). A body that stalls past the
   * timeout or breaks is asked for again, like a request that failed before its headers, within the same
   * attempts. `bytes` is null when the body is larger than `limit` (it is then not downloaded).
   */
  async sendAndRead(request: SendRequest, limit = 1 << 20): Promise<{ response: Response; bytes: Buffer | null }> {
    const budget = this.budgetFor(request);
    for (;;) {
      const response = await this.send({ ...request, budget });
      if (Number(response.headers.get('content-length') ?? 0) > limit) {
        await drain(response);
        return { response, bytes: null };
      }
      try {
        const bytes = await response.bytes();
        return { response, bytes: bytes.length > limit ? null : bytes };
      } catch (error) {
        const url = this.connections.targets.of(request.url);
        this.checkAborted(request, url, error);
        if (isStream(request.body) || !isRetryable(error) || !budget.canRetry()) throw this.networkError(request, url, budget.used, error);
        const reason = failureReason(error, this.deps.timeoutMs);
        await this.beforeRetry(request, url, budget.used + 1, budget, reason, backoffDelay(budget.policy, budget.used));
      }
    }
  }

  /** The Authorization header when it must be waited for (a credential helper, a token request). */
  private async authHeader(request: SendRequest): Promise<string | null> {
    try {
      return await this.deps.auth().header(request.scopes, request.signal);
    } catch (error) {
      this.rethrow(request, error);
    }
  }

  /** One attempt, inside the host's concurrency slot: the response, or null when a network failure will be retried. */
  private async attempt(
    url: Target,
    request: SendRequest,
    authorization: string | null,
    budget: AttemptBudget,
    attempt: number,
  ): Promise<Response | null> {
    let release: () => void;
    try {
      release = await this.deps.limiter.acquire(request.signal);
    } catch (error) {
      this.rethrow(request, error);
    }
    let handedOver = false;
    try {
      if (request.manifest && request.method === 'GET') this.deps.stats.manifestGet(this.deps.host);
      const response = await this.connections.fetch(url, request, authorization);
      this.deps.stats.response(url.host, response.status);
      handedOver = true;
      // The connection stays busy until the body is read (or discarded); so does the slot.
      if (request.streamsBody && this.deps.streamPermits === null) release();
      else whenFinished(response, release);
      return response;
    } catch (error) {
      this.checkAborted(request, url, error);
      const known = embeddedRegsyncError(error) ?? tlsError(error, this.deps.host);
      if (known) throw known;
      if (isStream(request.body) || !isRetryable(error) || !budget.canRetry()) throw this.networkError(request, url, attempt, error);
      release();
      const reason = failureReason(error, this.deps.timeoutMs);
      await this.beforeRetry(request, url, attempt + 1, budget, reason, backoffDelay(budget.policy, attempt));
      return null;
    } finally {
      if (!handedOver) release();
    }
  }

  private rethrow(request: SendRequest, error: unknown): never {
    this.checkAborted(request, this.connections.targets.of(request.url), error);
    throw error;
  }

  /** An aborted request (its signal fired) rejects with ABORTED, whatever the exchange made of it. */
  private checkAborted(request: SendRequest, url: Pick<Target, 'pathname'>, cause?: unknown): void {
    if (request.signal?.aborted) throw abortedError(`${request.method} ${this.deps.host}${url.pathname}`, this.deps.host, cause);
  }

  /** A request that failed below HTTP; retryable unless the failure is permanent (a name that does not resolve). */
  private networkError(request: SendRequest, url: Pick<Target, 'pathname'>, attempt: number, error: unknown): RequestError {
    const { host } = this.deps;
    const reason = redact(failureReason(error, this.deps.timeoutMs), this.deps.auth().secrets());
    return new RequestError(
      `${request.method} ${host}${url.pathname} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${reason}: check that ${host} is running and reachable`,
      {
        code: 'NETWORK',
        host,
        cause: error,
        retryable: isTransientFailure(error),
        ...(request.repository ? { repository: request.repository } : {}),
      },
    );
  }

  /** Tells the command layer (one line on stderr) and the verbose log, then waits out the backoff. */
  private async beforeRetry(
    request: { method: string; signal?: AbortSignal | undefined },
    url: Pick<Target, 'pathname'>,
    attempt: number,
    budget: AttemptBudget,
    reason: string,
    delayMs: number,
    host = this.deps.host,
  ): Promise<void> {
    const notice: RetryNotice = {
      method: request.method,
      host,
      path: url.pathname,
      attempt,
      attempts: budget.policy.attempts,
      reason: redact(reason, this.deps.auth().secrets()),
      delayMs,
    };
    // Printed once: by the command layer when it listens, else in the verbose log.
    if (this.deps.onRetry) this.deps.onRetry(notice);
    else this.log(`${formatRetryNotice(notice)}; waiting ${delayMs} ms`);
    await abortableDelay(delayMs, request.signal).catch((error: unknown) => {
      if (request.signal?.aborted) throw abortedError(`${request.method} ${host}${url.pathname}`, this.deps.host, error);
      throw error;
    });
  }

  /**
   * A token request: the same retry rule, attempts and counting, aborted by `signal` (in its backoff too); no
   * concurrency slot (it runs while a request waits for it).
   */
  async sendForToken(
    url: URL,
    init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
    signal?: AbortSignal,
  ): Promise<TokenResponse> {
    const budget = this.budgetFor({ method: init.method, url, scopes: [] });
    const where = `${init.method} ${redactUrl(`${url.origin}${url.pathname}`)}`;
    const request = { method: init.method, signal };
    for (;;) {
      const attempt = budget.begin();
      if (signal?.aborted) throw abortedError(`${where} (token service of ${this.deps.host})`, this.deps.host, signal.reason);
      let delayMs: number;
      let reason: string;
      try {
        this.deps.stats.request(url.host, init.method);
        const response = await exchange(targetOf(url), {
          ...init,
          agent: this.connections.agentFor(url),
          timeoutMs: this.deps.timeoutMs,
          signal,
        });
        const text = await readText(response);
        this.deps.stats.download(Buffer.byteLength(text));
        const decision = retryDecision(budget.policy, attempt, response.status, response.headers, Date.now());
        if (!decision.retry) return { status: response.status, text };
        delayMs = decision.delayMs;
        reason = `HTTP ${response.status}`;
      } catch (error) {
        if (signal?.aborted) throw abortedError(`${where} (token service of ${this.deps.host})`, this.deps.host, error);
        const tls = tlsError(error, url.host);
        if (tls) throw tls;
        if (!isRetryable(error) || !budget.canRetry()) {
          throw new RequestError(
            `${where} (token service of ${this.deps.host}) failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${failureReason(error, this.deps.timeoutMs)}`,
            { code: 'NETWORK', host: this.deps.host, cause: error, retryable: isTransientFailure(error) },
          );
        }
        delayMs = backoffDelay(budget.policy, attempt);
        reason = failureReason(error, this.deps.timeoutMs);
      }
      await this.beforeRetry(request, url, attempt + 1, budget, reason, delayMs, url.host);
    }
  }
}
