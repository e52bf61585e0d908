import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request as undiciRequest } from 'undici';
import type { Limiter } from '../../util/concurrency.js';
import { RegsyncError } from '../../util/errors.js';
import { redact, redactUrl } from '../../util/redact.js';
import type { HostAuth, TokenResponse } from './auth.js';
import { backoffDelay, retryDecision } from './backoff.js';
import type { RetryPolicy } from './backoff.js';
import { statusError } from './errors.js';
import type { RequestContext } from './errors.js';
import type { StatsCounter } from './stats.js';
import { failureReason, rootCause, tlsError } from './transport.js';
import { formatRetryNotice } from '../retry-notice.js';
import { abortedError } from '../abort.js';
import type { RetryNotice } from '../retry-notice.js';

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
/** Buffers and strings can be resent; a Readable is sent once. */
export type Body = Buffer | string | Readable;

/** A response with its body still unread (a Node stream: bodies are never buffered unless asked). */
export interface Response {
  status: number;
  /** The URL that answered (after redirects). */
  url: string;
  headers: { get(name: string): string | null };
  body: Readable;
  text(): Promise<string>;
  bytes(): Promise<Buffer>;
}

export interface SendRequest {
  method: Method;
  /** A path on the registry (`/v2/...`) or an absolute URL (an upload Location). */
  url: string | URL;
  headers?: Record<string, string>;
  /** Buffers and strings are resent on retries; a stream is sent once. */
  body?: Body;
  /** Token scopes the request needs (`repository:x:pull`). */
  scopes: string[];
  repository?: string;
  reference?: string;
  /** Statuses handed back to the caller instead of becoming errors; default: 2xx. */
  accept?: (status: number) => boolean;
  /** Aborts the request, its retries and its response body. */
  signal?: AbortSignal | undefined;
}

export interface TransportDeps {
  /** The host as written in the config (messages, config keys). */
  host: string;
  /** `scheme://host[:port]` of the registry API. */
  base: string;
  agent: () => Agent;
  limiter: Limiter;
  retry: RetryPolicy;
  stats: StatsCounter;
  auth: () => HostAuth;
  log: (line: string) => void;
  /** Milliseconds to wait for response headers, and for each next piece of a body. */
  timeoutMs: number;
  onRetry?: (notice: RetryNotice) => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

const isStream = (body: Body | undefined): body is Readable => typeof body === 'object' && body !== null && !Buffer.isBuffer(body);
const is2xx = (status: number): boolean => status >= 200 && status < 300;

/** Discards a body we do not read: small ones are read to the end so the keep-alive connection is reused. */
export async function drain(response: Response): Promise<void> {
  try {
    await (response.body as Readable & { dump?: (options: { limit: number }) => Promise<void> }).dump?.({ limit: 256 * 1024 });
  } catch {
    // The connection is closed either way.
  }
}

/** Reads at most `limit` characters of a body as text (error bodies, JSON lists). */
export async function readText(response: Response, limit = 1 << 20): Promise<string> {
  const text = await response.text().catch(() => '');
  return text.length > limit ? text.slice(0, limit) : text;
}

/**
 * One HTTP exchange through undici's `request` (not `fetch`: fetch buffers a streamed request body without
 * backpressure, so memory grew with the blob size; `request` waits for the socket to drain).
 */
async function exchange(
  url: URL,
  init: {
    method: Method;
    headers: Record<string, string>;
    body?: Body | undefined;
    dispatcher: Agent;
    timeoutMs: number;
    signal?: AbortSignal | undefined;
  },
): Promise<Response> {
  const data = await undiciRequest(url, {
    method: init.method,
    headers: init.headers,
    body: init.body ?? null,
    dispatcher: init.dispatcher,
    headersTimeout: init.timeoutMs,
    bodyTimeout: init.timeoutMs,
    signal: init.signal ?? null,
  });
  const headers = data.headers;
  return {
    status: data.statusCode,
    url: url.toString(),
    headers: {
      get(name: string): string | null {
        const value = headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    body: data.body,
    text: () => data.body.text(),
    bytes: async () => Buffer.from(await data.body.arrayBuffer()),
  };
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
  private foreign: Agent | null = null;
  private readonly origin: string;

  constructor(private readonly deps: TransportDeps) {
    this.origin = new URL(deps.base).origin;
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

  async close(): Promise<void> {
    await this.foreign?.close();
  }

  /** Sends a request; returns the response when its status is accepted, throws a RegsyncError otherwise. */
  async send(request: SendRequest): Promise<Response> {
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
      if (accept(status)) {
        this.noteRateLimit(response);
        return response;
      }
      const decision = retryDecision(retry, attempt, status, response.headers, Date.now());
      if (decision.retry && !isStream(request.body)) {
        await drain(response);
        if (status === 429) this.deps.limiter.pauseUntil(Date.now() + decision.delayMs);
        await this.beforeRetry(request, url, attempt + 1, `HTTP ${status}`, decision.delayMs);
        continue;
      }
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
    const release = await this.deps.limiter.acquire(request.signal).catch((error: unknown) => {
      this.checkAborted(request, url, error);
      throw error;
    });
    try {
      return await this.fetchFollowingRedirects(url, request, authorization);
    } catch (error) {
      this.checkAborted(request, url, error);
      const known = embeddedRegsyncError(error) ?? tlsError(error, this.deps.host);
      if (known) throw known;
      if (rootCause(error).message === 'bad port') {
        // The fetch standard blocks some ports (e.g. 6000, 6665-6669); retrying cannot help.
        throw new RegsyncError(
          `${this.deps.host}: fetch refuses to connect to port ${url.port} (a blocked port): run the registry on another port`,
          { code: 'NETWORK', host: this.deps.host, cause: error },
        );
      }
      if (isStream(request.body) || attempt >= this.deps.retry.attempts) throw this.networkError(request, url, attempt, error);
      release();
      const reason = failureReason(error, this.deps.timeoutMs);
      await this.beforeRetry(request, url, attempt + 1, reason, backoffDelay(this.deps.retry, attempt));
      return null;
    } finally {
      // The slot covers sending and waiting for headers; bodies are read outside it (see createHostAgent).
      release();
    }
  }

  /** An aborted request (its signal fired) rejects with ABORTED, whatever undici made of it. */
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
    await sleep(delayMs, undefined, request.signal ? { signal: request.signal } : {}).catch((error: unknown) => {
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
        const dispatcher = url.origin === this.origin ? this.deps.agent() : this.foreignAgent();
        const response = await exchange(url, { ...init, dispatcher, timeoutMs: this.deps.timeoutMs });
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

  /** Docker Hub says `RateLimit-Remaining: 0` before it starts answering 429: hold new requests when it also says for how long. */
  private noteRateLimit(response: Response): void {
    const remaining = response.headers.get('ratelimit-remaining');
    const retryAfter = response.headers.get('retry-after');
    if (remaining !== null && /^\s*0\b/.test(remaining) && retryAfter !== null && /^\d+$/.test(retryAfter.trim())) {
      this.deps.limiter.pauseUntil(Date.now() + Number(retryAfter.trim()) * 1000);
    }
  }

  private foreignAgent(): Agent {
    // Other origins (blob storage, token services) get verified TLS and none of this host's settings.
    this.foreign ??= new Agent({ keepAliveTimeout: 30_000 });
    return this.foreign;
  }

  private async fetchFollowingRedirects(start: URL, request: SendRequest, authorization: string | null): Promise<Response> {
    let url = start;
    let method: Method = request.method;
    let body = request.body;
    for (let hop = 0; ; hop += 1) {
      const sameOrigin = url.origin === this.origin;
      const headers: Record<string, string> = { ...request.headers };
      // Credentials belong to the registry's origin only: a redirect to S3 or a CDN never sees them.
      if (authorization !== null && sameOrigin) headers.authorization = authorization;
      this.deps.stats.request(url.host, method);
      const dispatcher = sameOrigin ? this.deps.agent() : this.foreignAgent();
      const response = await exchange(url, { method, headers, body, dispatcher, timeoutMs: this.deps.timeoutMs, signal: request.signal });
      const location = response.headers.get('location');
      if (
        !REDIRECTS.has(response.status) ||
        location === null ||
        method === 'POST' ||
        method === 'PATCH' ||
        (method === 'PUT' && response.status !== 307 && response.status !== 308)
      ) {
        return response;
      }
      await drain(response);
      if (hop >= MAX_REDIRECTS)
        throw new RegsyncError(`${request.method} ${this.deps.host}${start.pathname}: more than ${MAX_REDIRECTS} redirects`, {
          code: 'REGISTRY',
          host: this.deps.host,
        });
      if (isStream(body))
        throw new RegsyncError(
          `${request.method} ${this.deps.host}${start.pathname} was redirected, but a streamed body cannot be sent twice`,
          { code: 'REGISTRY', host: this.deps.host },
        );
      const next = new URL(location, url);
      this.log(`${method} ${redactUrl(url)} redirected to ${redactUrl(next)}`);
      if (response.status === 303) {
        method = 'GET';
        body = undefined;
      }
      url = next;
    }
  }
}
