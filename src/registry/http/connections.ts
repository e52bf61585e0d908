import type { Agent } from 'node:http';
import { RegsyncError } from '../../util/errors.js';
import { redactUrl } from '../../util/redact.js';
import { drain, exchange, isStream } from './exchange.js';
import type { Method, Response } from './exchange.js';
import type { StatsCounter } from './stats.js';
import type { SendRequest } from './send-request.js';
import { createForeignAgent } from './tls.js';
import { targetOf, Targets } from './target.js';
import type { Target } from './target.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const NO_HEADERS: Record<string, string> = Object.freeze({});

export interface ConnectionsDeps {
  host: string;
  base: string;
  agent: () => Agent;
  stats: StatsCounter;
  timeoutMs: number;
  log: (line: string) => void;
}

/**
 * The connection pools a host's requests use, and redirects between them: the host's own keep-alive pool
 * for its origin, default pools for other origins, and manual redirects so Authorization never leaves the
 * registry's origin.
 */
export class Connections {
  private readonly foreign = new Map<string, Agent>();
  private readonly origin: string;
  /** The host's request targets, its own paths built without parsing a URL each time. */
  readonly targets: Targets;

  constructor(private readonly deps: ConnectionsDeps) {
    this.targets = new Targets(deps.base);
    this.origin = this.targets.origin;
  }

  close(): void {
    for (const agent of this.foreign.values()) agent.destroy();
    this.foreign.clear();
  }

  /** The host's own connection pool for its origin; other origins (blob storage, token services) get verified TLS and none of its settings. */
  agentFor(url: Pick<Target, 'origin' | 'protocol'>): Agent {
    if (url.origin === this.origin) return this.deps.agent();
    let agent = this.foreign.get(url.protocol);
    if (!agent) {
      agent = createForeignAgent(url.protocol, this.deps.timeoutMs);
      this.foreign.set(url.protocol, agent);
    }
    return agent;
  }

  /** One request, following redirects (each hop counted); credentials only ever go to the registry's origin. */
  async fetch(start: Target, request: SendRequest, authorization: string | null): Promise<Response> {
    let url = start;
    let method: Method = request.method;
    let body = request.body;
    for (let hop = 0; ; hop += 1) {
      const sameOrigin = url.origin === this.origin;
      // Credentials belong to the registry's origin only: a redirect to S3 or a CDN never sees them. (A copy only
      // when there is something to add: node:http does not keep the object.)
      const headers: Record<string, string> =
        authorization !== null && sameOrigin ? { ...request.headers, authorization } : (request.headers ?? NO_HEADERS);
      this.deps.stats.request(url.host, method);
      const agent = this.agentFor(url);
      const response = await exchange(url, { method, headers, body, agent, timeoutMs: this.deps.timeoutMs, signal: request.signal });
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
      const next = new URL(location, url.href);
      this.deps.log(`${method} ${redactUrl(url.href)} redirected to ${redactUrl(next)}`);
      if (response.status === 303) {
        method = 'GET';
        body = undefined;
      }
      url = targetOf(next);
    }
  }
}
