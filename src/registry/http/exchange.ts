import { request as httpRequest } from 'node:http';
import type { Agent, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { finished } from 'node:stream';
import type { Readable } from 'node:stream';
import { onAbort as whenAborted } from '../../util/abort-listeners.js';

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

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function wrap(message: IncomingMessage, url: URL): Response {
  const headers = message.headers;
  return {
    status: message.statusCode ?? 0,
    url: url.href,
    headers: {
      get(name: string): string | null {
        const value = headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    body: message,
    text: async () => (await readAll(message)).toString('utf8'),
    bytes: () => readAll(message),
  };
}

/**
 * One HTTP exchange over node:http/https with a keep-alive agent. (undici closes the connection after every
 * HEAD, so a plan opened two connections per tag.) A streamed body is piped with backpressure, so an upload
 * holds one chunk at a time, not the blob. The timeout is the connection's idle time: it covers connecting,
 * waiting for headers, a request body that stops flowing and a response body that stops arriving.
 */
export function exchange(url: URL, init: ExchangeInit): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method: init.method, headers: init.headers, agent: init.agent, timeout: init.timeoutMs });
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
      resolve(wrap(message, url));
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
