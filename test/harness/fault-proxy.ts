import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onProcessExit } from './exit.js';

/** What to do with a request that matches a rule. */
export type FaultAction =
  /** Answer without asking the registry. */
  | { type: 'respond'; status: number; headers?: Record<string, string>; body?: string }
  /** Forward, then cut the connection after `bytes` bytes of the response body. */
  | { type: 'drop-response'; bytes: number }
  /** Forward, but cut the connection once `bytes` bytes of the request body have arrived (an upload dying). */
  | { type: 'drop-request'; bytes: number }
  /** Forward and replace the response body (headers kept, Content-Length fixed): a registry serving wrong bytes. */
  | { type: 'rewrite'; transform: (body: Buffer) => Buffer }
  /**
   * Forward, and add these headers to the registry's answer (rate-limit headers a real registry does not send);
   * a function is asked per request (a budget that counts down).
   */
  | { type: 'add-headers'; headers: Record<string, string> | (() => Record<string, string>) }
  /** Answer with a redirect to `location(pathAndQuery)`. */
  | { type: 'redirect'; status?: number; location: (pathAndQuery: string) => string }
  /** Run `run` (e.g. stop a registry) when the request arrives, then forward it: an event at an exact point of a run. */
  | { type: 'hook'; run: () => Promise<void> | void };

export interface FaultRule {
  /** Default: any method. */
  method?: string;
  /** Tested against the path and query, e.g. /^\/v2\/app\/blobs\/sha256:/. */
  path: RegExp;
  /** How many matching requests the rule affects; default 1. */
  times?: number;
  action: FaultAction;
}

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  method: string;
  path: string;
  at: number;
  /** The status sent back (0 when the connection was cut before a status). */
  status: number;
  /** The action applied, or 'forward'. */
  fault: FaultAction['type'] | 'forward';
  /** Whether the client sent an Authorization header (its value is never kept). */
  hadAuthorization: boolean;
}

export interface FaultProxy {
  /** "127.0.0.1:PORT", to use as the registry host. */
  host: string;
  url: string;
  port: number;
  /** Adds a rule; the returned function tells how many requests it has affected so far. */
  addRule(rule: FaultRule): () => number;
  clearRules(): void;
  readonly requests: ProxiedRequest[];
  stop(): Promise<void>;
}

interface ActiveRule extends FaultRule {
  hits: number;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function forwardHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  // Host is kept: the registry builds upload Locations from it, so they keep pointing at the proxy.
  const out: OutgoingHttpHeaders = { ...headers };
  delete out.connection;
  delete out['keep-alive'];
  return out;
}

const addedHeaders = (headers: Record<string, string> | (() => Record<string, string>)): Record<string, string> =>
  typeof headers === 'function' ? headers() : headers;

/**
 * A small HTTP proxy in front of a real registry, with programmable faults per request. Requests
 * that match no rule are forwarded untouched (Host header kept).
 */
export async function startFaultProxy(upstream: { host: string }): Promise<FaultProxy> {
  const [upstreamHost, upstreamPort] = upstream.host.split(':');
  const rules: ActiveRule[] = [];
  const requests: ProxiedRequest[] = [];

  const take = (req: IncomingMessage): ActiveRule | undefined => {
    const rule = rules.find(
      (r) => (r.method === undefined || r.method === req.method) && r.path.test(req.url ?? '') && r.hits < (r.times ?? 1),
    );
    if (rule) rule.hits += 1;
    return rule;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const rule = take(req);
    if (rule?.action.type === 'hook') {
      req.pause();
      void Promise.resolve(rule.action.run()).then(() => {
        req.resume();
        forward(req, res, rule);
      });
      return;
    }
    forward(req, res, rule);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, rule: ActiveRule | undefined): void => {
    const record: ProxiedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      at: Date.now(),
      status: 0,
      fault: 'forward',
      hadAuthorization: req.headers.authorization !== undefined,
    };
    requests.push(record);
    const action = rule?.action;
    if (action) record.fault = action.type;

    if (action?.type === 'respond' || action?.type === 'redirect') {
      req.resume();
      const status = action.type === 'respond' ? action.status : (action.status ?? 307);
      const headers = action.type === 'respond' ? (action.headers ?? {}) : { location: action.location(req.url ?? '/') };
      const body = action.type === 'respond' ? (action.body ?? '') : '';
      record.status = status;
      res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }

    const upstreamRequest = httpRequest(
      { host: upstreamHost, port: Number(upstreamPort), method: req.method, path: req.url, headers: forwardHeaders(req.headers) },
      (upstreamResponse) => {
        const status = upstreamResponse.statusCode ?? 502;
        record.status = status;
        if (action?.type === 'rewrite') {
          const chunks: Buffer[] = [];
          upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstreamResponse.on('end', () => {
            const body = action.transform(Buffer.concat(chunks));
            res.writeHead(status, { ...upstreamResponse.headers, 'content-length': body.length });
            res.end(body);
          });
          return;
        }
        res.writeHead(status, { ...upstreamResponse.headers, ...(action?.type === 'add-headers' ? addedHeaders(action.headers) : {}) });
        if (action?.type === 'drop-response') {
          let sent = 0;
          upstreamResponse.on('data', (chunk: Buffer) => {
            if (sent >= action.bytes) return;
            const part = chunk.subarray(0, action.bytes - sent);
            sent += part.length;
            res.write(part);
            if (sent >= action.bytes) {
              upstreamResponse.destroy();
              // Let the partial body reach the client, then cut the connection mid-body.
              setTimeout(() => res.socket?.destroy(), 50);
            }
          });
          return;
        }
        upstreamResponse.pipe(res);
      },
    );
    upstreamRequest.on('error', () => res.socket?.destroy());
    if (action?.type === 'drop-request') {
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received <= action.bytes) upstreamRequest.write(chunk);
        else {
          upstreamRequest.destroy();
          req.socket.destroy();
        }
      });
      req.on('end', () => upstreamRequest.end());
      return;
    }
    req.pipe(upstreamRequest);
  };

  const server = createServer(handle);
  const port = await listen(server);
  const stop = () => close(server);
  onProcessExit(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    addRule(rule) {
      const active: ActiveRule = { ...rule, hits: 0 };
      rules.push(active);
      return () => active.hits;
    },
    clearRules() {
      rules.length = 0;
    },
    stop,
  };
}

/** A plain server that records every request's headers and answers with `respond`: the far side of a redirect. */
export interface RecordingServer {
  url: string;
  port: number;
  readonly received: Array<{ method: string; path: string; headers: IncomingHttpHeaders }>;
  stop(): Promise<void>;
}

export async function startRecordingServer(
  respond: (path: string) => { status: number; body: Buffer; headers?: Record<string, string> },
): Promise<RecordingServer> {
  const received: RecordingServer['received'] = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    req.resume();
    const answer = respond(req.url ?? '/');
    res.writeHead(answer.status, { 'content-length': answer.body.length, ...(answer.headers ?? {}) });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  });
  const port = await listen(server);
  onProcessExit(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${port}`, port, received, stop: () => close(server) };
}
