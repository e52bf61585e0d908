import { Agent as HttpAgent } from 'node:http';
import type { AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** How long an idle connection is kept: under the 5 s that Node servers (and many proxies) keep theirs. */
export const IDLE_KEEP_MS = 4_000;
/** How often idle connections are looked at: one is closed between IDLE_KEEP_MS and IDLE_KEEP_MS + this. */
const SWEEP_MS = 500;

type Idle = Socket & { regsyncIdleSince?: number };

/**
 * Keep-alive with the host's timeout set once per connection, not twice per request. Node's agent has one
 * timer per socket for both "silent while in use" (the request timeout, e.g. 30 s) and "idle in the pool"
 * (4 s): with different values every request re-armed it twice (a new timer each time). Here the socket's
 * timer is the request timeout for its whole life (`timeout` in the agent options: set when the socket is
 * created, so it covers connecting), and idle sockets are closed by one sweep per agent instead.
 */
class IdleSweep {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly agent: HttpAgent) {}

  kept(socket: Socket): void {
    (socket as Idle).regsyncIdleSince = performance.now();
    this.timer ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
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
        if (now - ((socket as Idle).regsyncIdleSince ?? now) >= IDLE_KEEP_MS) socket.destroy();
        else idle += 1;
      }
    }
    if (idle === 0) this.stop();
  }
}

class SweptHttpAgent extends HttpAgent {
  private readonly idle = new IdleSweep(this);

  override keepSocketAlive(socket: Duplex): boolean {
    // The base also sets the socket's timeout to the agent's: the same value, so no new timer. (Node returns
    // whether it kept the socket; the types say void.)
    const kept = (super.keepSocketAlive(socket) as unknown) !== false;
    if (kept) this.idle.kept(socket as Socket);
    return kept;
  }

  override destroy(): void {
    this.idle.stop();
    super.destroy();
  }
}

class SweptHttpsAgent extends HttpsAgent {
  private readonly idle = new IdleSweep(this);

  override keepSocketAlive(socket: Duplex): boolean {
    const kept = (super.keepSocketAlive(socket) as unknown) !== false;
    if (kept) this.idle.kept(socket as Socket);
    return kept;
  }

  override destroy(): void {
    this.idle.stop();
    super.destroy();
  }
}

/**
 * A keep-alive pool whose sockets time out after `timeoutMs` of silence while in use (exchange() then fails
 * the request) and are closed after IDLE_KEEP_MS idle in the pool.
 */
export function keepAliveAgent(secure: false, options: AgentOptions, timeoutMs: number): HttpAgent;
export function keepAliveAgent(secure: true, options: HttpsAgentOptions, timeoutMs: number): HttpAgent;
export function keepAliveAgent(secure: boolean, options: AgentOptions | HttpsAgentOptions, timeoutMs: number): HttpAgent {
  const all = { ...options, keepAlive: true, timeout: timeoutMs };
  return secure ? new SweptHttpsAgent(all) : new SweptHttpAgent(all);
}

/** The silence after which a socket of `agent` times out by itself (0: none), so a request need not set its own. */
export function agentTimeout(agent: HttpAgent): number {
  return (agent as HttpAgent & { options?: { timeout?: number } }).options?.timeout ?? 0;
}
