import { setTimeout as sleep } from 'node:timers/promises';
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

export type { Body, Method, Response } from './exchange.js';
export { drain, readText } from './exchange.js';
import type { RequestContext } from './errors.js';
import type { StatsCounter } from './stats.js';
import { failureReason, tlsError } from './transport.js';
import { Connections } from './connections.js';
import { exhaustedUntil } from './rate-limits.js';
import type { RateLimitTracker } from './rate-limits.js';
import { formatRetryNotice } from '../retry-notice.js';
import { abortedError } from '../abort.js';
import type { RetryNotice } from '../retry-notice.js';

// In its own file so connections.ts can name it without importing this one (a type-only cycle otherwise).
export type { SendRequest } from './send-request.js';
import type { SendRequest } from './send-request.js';

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
  async send(request: SendRequest): Promise<Response> {
    const permits = request.streamsBody ? this.deps.streamPermits : null;
    const permit = permits ? await permits.acquire(request.signal).catch((error: unknown) => this.rethrow(request, error)) : null;
    try {
      const response = await this.sendWithRetries(request);
      if (permit) whenFinished(response, permit);
      return response;
    } catch (error) {
      permit?.();
      throw error;
    }
  }

  private async sendWithRetries(request: SendRequest): Promise<Response> {
    const url = new URL(request.url, this.deps.base);
    const context: RequestContext = {
      method: request.method,
      host: this.deps.host,
      path: url.pathname,
      repository: request.repository,
      reference: request.reference,
    };
    const accept = request.accept ?? is2xx;
    const { retry } = this.deps;
    let reauthenticated = false;
    let nextAuth: string | null = null;
    for (let attempt = 1; ; attempt += 1) {
      this.checkAborted(request, url);
      const authorization = nextAuth ?? (await this.deps.auth().header(request.scopes));
      nextAuth = null;
      const response = await this.attempt(url, request, authorization, attempt);
      if (response === null) continue;
      const { status } = response;
      if (status === 401) {
        await drain(response);
        if (!reauthenticated) {
          reauthenticated = true;
          const header = await this.deps.auth().challenged(response.headers.get('www-authenticate'), request.scopes, authorization);
          if (header !== null && !isStream(request.body)) {
            nextAuth = header;
            attempt -= 1;
            continue;
          }
        }
        throw await this.deps.auth().failure(context);
      }
      if (request.manifest) this.deps.rateLimits.note(response.headers);
      const holdUntil = exhaustedUntil(response.headers, Date.now());
      // Held only as long as a retry would wait: an hours-long hold would hang every request to the host, while
      // unheld requests fail at once (and apply starts no more changes on a host whose budget is spent).
      if (holdUntil !== null && holdUntil - Date.now() <= retry.maxRetryAfterMs) this.deps.limiter.pauseUntil(holdUntil);
      if (accept(status)) return response;
      const decision = retryDecision(retry, attempt, status, response.headers, Date.now());
      if (decision.retry && !isStream(request.body)) {
        await drain(response);
        if (status === 429) this.deps.limiter.pauseUntil(Date.now() + decision.delayMs);
        await this.beforeRetry(request, url, attempt + 1, `HTTP ${status}`, decision.delayMs);
        continue;
      }
      // Refused for good on a budget signal: apply starts nothing more here. A 429 on a streamed body that would
      // have been retried is not given up on: the caller (a blob copy) restarts it.
      if (status === 429 && !decision.retry) this.deps.rateLimits.refused(response.headers, retry.maxRetryAfterMs);
      const text = await readText(response, 64 * 1024);
      throw statusError(
        context,
        status,
        redact(text, this.deps.auth().secrets()),
        decision.retry ? undefined : (decision.why ?? undefined),
      );
    }
  }

  /**
   * Sends a request and reads its whole body (manifests, configs, lists). A body that stalls past the
   * timeout or breaks is asked for again, like a request that failed before its headers. `bytes` is null
   * when the body is larger than `limit` (it is then not downloaded).
   */
  async sendAndRead(request: SendRequest, limit = 1 << 20): Promise<{ response: Response; bytes: Buffer | null }> {
    const { attempts } = this.deps.retry;
    for (let attempt = 1; ; attempt += 1) {
      const response = await this.send(request);
      if (Number(response.headers.get('content-length') ?? 0) > limit) {
        await drain(response);
        return { response, bytes: null };
      }
      try {
        const bytes = await response.bytes();
        return { response, bytes: bytes.length > limit ? null : bytes };
      } catch (error) {
        const url = new URL(request.url, this.deps.base);
        this.checkAborted(request, url, error);
        if (isStream(request.body) || attempt >= attempts) throw this.networkError(request, url, attempt, error);
        const reason = failureReason(error, this.deps.timeoutMs);
        await this.beforeRetry(request, url, attempt + 1, reason, backoffDelay(this.deps.retry, attempt));
      }
    }
  }

  /** One attempt, inside the host's concurrency slot: the response, or null when a network failure will be retried. */
  private async attempt(url: URL, request: SendRequest, authorization: string | null, attempt: number): Promise<Response | null> {
    const release = await this.deps.limiter.acquire(request.signal).catch((error: unknown) => this.rethrow(request, error));
    let handedOver = false;
    try {
      if (request.manifest && request.method === 'GET') this.deps.stats.manifestGet(this.deps.host);
      const response = await this.connections.fetch(url, request, authorization);
      handedOver = true;
      // The connection stays busy until the body is read (or discarded); so does the slot.
      if (request.streamsBody && this.deps.streamPermits === null) release();
      else whenFinished(response, release);
      return response;
    } catch (error) {
      this.checkAborted(request, url, error);
      const known = embeddedRegsyncError(error) ?? tlsError(error, this.deps.host);
      if (known) throw known;
      if (isStream(request.body) || attempt >= this.deps.retry.attempts) throw this.networkError(request, url, attempt, error);
      release();
      const reason = failureReason(error, this.deps.timeoutMs);
      await this.beforeRetry(request, url, attempt + 1, reason, backoffDelay(this.deps.retry, attempt));
      return null;
    } finally {
      if (!handedOver) release();
    }
  }

  private rethrow(request: SendRequest, error: unknown): never {
    this.checkAborted(request, new URL(request.url, this.deps.base), error);
    throw error;
  }

  /** An aborted request (its signal fired) rejects with ABORTED, whatever the exchange made of it. */
  private checkAborted(request: SendRequest, url: URL, cause?: unknown): void {
    if (request.signal?.aborted) throw abortedError(`${request.method} ${this.deps.host}${url.pathname}`, this.deps.host, cause);
  }

  private networkError(request: SendRequest, url: URL, attempt: number, error: unknown): RegsyncError {
    const { host } = this.deps;
    const reason = redact(failureReason(error, this.deps.timeoutMs), this.deps.auth().secrets());
    return new RegsyncError(
      `${request.method} ${host}${url.pathname} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${reason}: check that ${host} is running and reachable`,
      { code: 'NETWORK', host, cause: error, ...(request.repository ? { repository: request.repository } : {}) },
    );
  }

  /** Tells the command layer (one line on stderr) and the verbose log, then waits out the backoff. */
  private async beforeRetry(request: SendRequest, url: URL, attempt: number, reason: string, delayMs: number): Promise<void> {
    const notice: RetryNotice = {
      method: request.method,
      host: this.deps.host,
      path: url.pathname,
      attempt,
      attempts: this.deps.retry.attempts,
      reason: redact(reason, this.deps.auth().secrets()),
      delayMs,
    };
    // Printed once: by the command layer when it listens, else in the verbose log.
    if (this.deps.onRetry) this.deps.onRetry(notice);
    else this.log(`${formatRetryNotice(notice)}; waiting ${delayMs} ms`);
    await abortableDelay(delayMs, request.signal).catch((error: unknown) => {
      this.checkAborted(request, url, error);
      throw error;
    });
  }

  /** A token request: same retries and counting, no concurrency slot (it runs while a request waits for it). */
  async sendForToken(url: URL, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }): Promise<TokenResponse> {
    const { retry } = this.deps;
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.deps.stats.request(url.host, init.method);
        const response = await exchange(url, { ...init, agent: this.connections.agentFor(url), timeoutMs: this.deps.timeoutMs });
        const text = await readText(response);
        this.deps.stats.download(Buffer.byteLength(text));
        const decision = retryDecision(retry, attempt, response.status, response.headers, Date.now());
        if (decision.retry) {
          await sleep(decision.delayMs);
          continue;
        }
        return { status: response.status, text };
      } catch (error) {
        const tls = tlsError(error, url.host);
        if (tls) throw tls;
        if (attempt < retry.attempts) {
          await sleep(backoffDelay(retry, attempt));
          continue;
        }
        throw new RegsyncError(
          `${init.method} ${redactUrl(`${url.origin}${url.pathname}`)} (token service of ${this.deps.host}) failed after ${attempt} attempts: ${failureReason(error, this.deps.timeoutMs)}`,
          {
            code: 'NETWORK',
            host: this.deps.host,
            cause: error,
          },
        );
      }
    }
  }
}
