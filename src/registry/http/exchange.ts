import { request as httpRequest } from 'node:http';
import type { Agent, IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { finished } from 'node:stream';
import type { Readable } from 'node:stream';
import { onAbort as whenAborted } from '../../util/abort-listeners.js';
import { agentTimeout } from './keep-alive.js';
import type { Target } from './target.js';

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
/** Buffers and strings can be resent; a Readable is sent once. */
export type Body = Buffer | string | Readable;

/** A response with its body still unread (a Node stream: bodies are never buffered unless asked). */
export interface Response {
  status: number;
  /** The URL that answered (after redirects). */
  url: string;
  headers: { get(name: string): string | null; hasAny?(...names: string[]): boolean };
  body: Readable;
  /** Set when no body can follow (a HEAD, 204, 304). */
  bodiless?: boolean;
  text(): Promise<string>;
  bytes(): Promise<Buffer>;
}

export interface ExchangeInit {
  method: Method;
  headers: Record<string, string>;
  body?: Body | undefined;
  /** A keep-alive agent: its connections are reused across requests, HEAD included. */
  agent: Agent;
  /** Longest silence on the connection (no byte sent or received) before the exchange fails. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export const isStream = (body: Body | undefined): body is Readable => typeof body === 'object' && body !== null && !Buffer.isBuffer(body);

/** Thrown when a connection stays silent for the host's timeout (waiting for headers, or for body bytes either way). */
class ExchangeTimeout extends Error {
  readonly code = 'REGSYNC_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`no data for ${timeoutMs} ms`);
    this.name = 'ExchangeTimeout';
  }
}

/**
 * The whole body. Listeners, not `for await`: an async iterator costs several promises per chunk, and a plan
 * reads thousands of small manifests and configs (issue 17: 72 ms of a 4000-tag cold plan). `finished` fails it
 * as the iterator did: on the stream's error (a timeout destroys it with one) or when it closes before its end.
 */
function readAll(body: Readable): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on('data', (chunk: Buffer) => void chunks.push(chunk));
    finished(body, (error) => {
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
  });
}

type RawHeaders = IncomingMessage['headers'];

/** Header look-ups on Node's parsed (lower-case) headers; names given in lower case skip the conversion. */
class Headers {
  constructor(private readonly raw: RawHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name] ?? this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  /** Whether any of `names` (lower case) came: bookkeeping for headers most registries never send is skipped. */
  hasAny(...names: string[]): boolean {
    for (const name of names) if (this.raw[name] !== undefined) return true;
    return false;
  }
}

/** One object per response, methods on the prototype (no closures per response). */
class WrappedResponse implements Response {
  readonly status: number;
  readonly headers: Headers;

  constructor(
    readonly body: IncomingMessage,
    private readonly target: Target,
    /** No body can follow (a HEAD, 204, 304): discarding it needs no reading. */
    readonly bodiless: boolean,
  ) {
    this.status = body.statusCode ?? 0;
    this.headers = new Headers(body.headers);
  }

  get url(): string {
    return this.target.href;
  }

  async text(): Promise<string> {
    return (await readAll(this.body)).toString('utf8');
  }

  bytes(): Promise<Buffer> {
    return readAll(this.body);
  }
}

/**
 * One HTTP exchange over node:http/https with a keep-alive agent. (undici closes the connection after every
 * HEAD, so a plan opened two connections per tag.) A streamed body is piped with backpressure, so an upload
 * holds one chunk at a time, not the blob. The timeout is the connection's idle time: it covers connecting,
 * waiting for headers, a request body that stops flowing and a response body that stops arriving.
 */
export function exchange(target: Target, init: ExchangeInit): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const options: RequestOptions = {
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      method: init.method,
      headers: init.headers,
      agent: init.agent,
    };
    // The host's own agent sets the timeout once per connection (keep-alive.ts); another agent needs it per request.
    if (agentTimeout(init.agent) !== init.timeoutMs) options.timeout = init.timeoutMs;
    const request = send(options);
    let response: IncomingMessage | null = null;
    // Fail whichever half is still open: before headers the request, after them the body stream.
    const fail = (error: Error): void => void (response ?? request).destroy(error);
    const onAbort = (): void => fail(init.signal?.reason instanceof Error ? init.signal.reason : new Error('aborted'));
    // One listener on the run's signal for all requests (util/abort-listeners): not one per request in flight.
    const stopListening = whenAborted(init.signal, onAbort);
    request.on('close', stopListening);
    request.on('timeout', () => fail(new ExchangeTimeout(init.timeoutMs)));
    request.on('error', reject);
    request.on('response', (message) => {
      response = message;
      const status = message.statusCode ?? 0;
      resolve(new WrappedResponse(message, target, init.method === 'HEAD' || status === 204 || status === 304));
    });
    if (init.signal?.aborted) return onAbort();
    const { body } = init;
    if (body === undefined) request.end();
    else if (!isStream(body)) request.end(body);
    else {
      // finished(), not pipeline(): pipeline destroys the request without the source's error, which then
      // reads as "socket hang up" instead of, say, a digest mismatch; finished() also sees a source that failed already.
      finished(body, (error) => error && request.destroy(error));
      body.pipe(request);
    }
  });
}

/** Bodies up to this size are read to their end when discarded, so the connection goes back to the pool. */
const DRAIN_LIMIT = 256 * 1024;

/** Discards a body we do not read: small ones are read to the end so the keep-alive connection is reused. */
export async function drain(response: Response): Promise<void> {
  const body = response.body;
  if (body.readableEnded || body.destroyed) return;
  // Nothing to read: let the (empty) stream end, which frees the connection; no listeners, no promise to wait on.
  if (response.bodiless === true) return void body.resume();
  if (Number(response.headers.get('content-length') ?? 0) > DRAIN_LIMIT) return void body.destroy();
  await new Promise<void>((resolve) => {
    let seen = 0;
    body.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      // A body larger than announced (or chunked and large): closing is cheaper than reading on.
      if (seen > DRAIN_LIMIT) body.destroy();
    });
    body.once('end', resolve);
    body.once('close', resolve);
    body.once('error', () => resolve());
    body.resume();
  });
}

/** Reads at most `limit` characters of a body as text (error bodies, JSON lists). */
export async function readText(response: Response, limit = 1 << 20): Promise<string> {
  const text = await response.text().catch(() => '');
  return text.length > limit ? text.slice(0, limit) : text;
}
