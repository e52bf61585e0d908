import { Agent as HttpAgent } from 'node:http';
import type { AgentOptions, ClientRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** How long an idle connection is kept: under the 5 s that Node servers (and many proxies) keep theirs. */
export const IDLE_KEEP_MS = 4_000;
/** How often idle connections are looked at: one is closed between IDLE_KEEP_MS and IDLE_KEEP_MS + this. */
const SWEEP_MS = 500;

/** A pooled socket: when it went idle, and (Node's own field) the request it serves, null while idle. */
type Pooled = Socket & { regsyncIdleSince?: number; regsyncIdleLimit?: number; _httpMessage?: ClientRequest | null };

/**
 * How long the server says it keeps an idle connection (`Keep-Alive: timeout=N`), less a second so regsync closes
 * first, as Node's own keepSocketAlive does; null when it says nothing.
 */
function serverIdleLimitMs(socket: Pooled): number | null {
  // Node sets `res` on the request once its response came (typed loosely here: it is Node's own field).
  const request = socket._httpMessage as unknown as { res?: { headers: Record<string, unknown> } | null } | null | undefined;
  const header = request?.res?.headers['keep-alive'];
  const seconds = typeof header === 'string' ? /(?:^|,)\s*timeout=(\d+)/i.exec(header)?.[1] : undefined;
  return seconds === undefined ? null : Number(seconds) * 1000 - 1000;
}

/**
 * Keep-alive with the host's timeout armed once per connection, not per request. With a `timeout` in a Node
 * agent's options (or on the request) every request cleared and re-armed the socket's timer (a new timer each
 * time) and added a timeout listener. Here the agent has no `timeout` of its own: each socket gets the host's
 * timeout and one listener when it is created (so connecting is covered too), which hands a silence to the
 * request it serves (exchange() fails it) or closes it when idle; idle sockets are closed after IDLE_KEEP_MS by
 * one sweep per agent, not by re-arming their timers.
 */
class SocketTimers {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly agent: HttpAgent,
    readonly timeoutMs: number,
    private readonly keepAliveMsecs: number,
  ) {}

  created(socket: Duplex): void {
    const pooled = socket as Pooled;
    pooled.setTimeout(this.timeoutMs);
    pooled.on('timeout', () => {
      const request = pooled._httpMessage;
      if (request) request.emit('timeout');
      else pooled.destroy();
    });
  }

  /** What Node's keepSocketAlive does, minus its timer changes: the socket keeps the host's timeout. */
  kept(socket: Duplex): boolean {
    const pooled = socket as Pooled;
    const serverLimit = serverIdleLimitMs(pooled);
    // timeout=0 or 1: the server closes it at once; reusing it would meet a reset.
    if (serverLimit !== null && serverLimit <= 0) return false;
    pooled.regsyncIdleLimit = Math.min(IDLE_KEEP_MS, serverLimit ?? IDLE_KEEP_MS);
    pooled.setKeepAlive(true, this.keepAliveMsecs);
    pooled.unref();
    pooled.regsyncIdleSince = performance.now();
    this.timer ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
    return true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private sweep(): void {
    const now = performance.now();
    let idle = 0;
    for (const sockets of Object.values(this.agent.freeSockets)) {
      for (const socket of sockets ?? []) {
        const pooled = socket as Pooled;
        if (now - (pooled.regsyncIdleSince ?? now) >= (pooled.regsyncIdleLimit ?? IDLE_KEEP_MS)) socket.destroy();
        else idle += 1;
      }
    }
    if (idle === 0) this.stop();
  }
}

type Connect = (options: object, callback?: (error: Error | null, socket: Duplex) => void) => Duplex;

/** The timers of each agent made here: what agentTimeout reads. */
const timersOf = new WeakMap<HttpAgent, SocketTimers>();

/**
 * Gives `agent` (node:http's or node:https's, which differ only in how a connection is made) its socket timers:
 * each new socket gets the host's timeout, a socket going back to the pool is kept by SocketTimers.kept, and
 * destroying the agent stops its sweep. Set on the instance, so both agent classes share this one version.
 */
function withSocketTimers(agent: HttpAgent, timeoutMs: number, keepAliveMsecs: number): HttpAgent {
  const timers = new SocketTimers(agent, timeoutMs, keepAliveMsecs);
  const createConnection = (agent.createConnection as Connect).bind(agent);
  const destroy = agent.destroy.bind(agent);
  Object.assign(agent, {
    createConnection: (...args: Parameters<Connect>): Duplex => {
      const socket = createConnection(...args);
      timers.created(socket);
      return socket;
    },
    keepSocketAlive: (socket: Duplex): boolean => timers.kept(socket),
    destroy: (): void => {
      timers.stop();
      destroy();
    },
  });
  timersOf.set(agent, timers);
  return agent;
}

/**
 * A keep-alive pool whose sockets time out after `timeoutMs` of silence while in use (exchange() then fails
 * the request) and are closed after IDLE_KEEP_MS idle in the pool.
 */
export function keepAliveAgent(secure: false, options: AgentOptions, timeoutMs: number): HttpAgent;
export function keepAliveAgent(secure: true, options: HttpsAgentOptions, timeoutMs: number): HttpAgent;
export function keepAliveAgent(secure: boolean, options: AgentOptions | HttpsAgentOptions, timeoutMs: number): HttpAgent {
  const all = { ...options, keepAlive: true };
  return withSocketTimers(secure ? new HttpsAgent(all) : new HttpAgent(all), timeoutMs, options.keepAliveMsecs ?? 1000);
}

/** The silence after which a socket of `agent` times out by itself (0: none), so a request need not set its own. */
export function agentTimeout(agent: HttpAgent): number {
  return timersOf.get(agent)?.timeoutMs ?? 0;
}
