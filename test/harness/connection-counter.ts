import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './tcp-listen.js';

/** A TCP pass-through in front of a registry that counts the connections clients open (TLS passes through untouched). */
export interface ConnectionCounter {
  /** "127.0.0.1:PORT", to use as the registry host. */
  host: string;
  /** Connections accepted so far. */
  readonly opened: number;
  /** The most connections open at one moment. */
  readonly peak: number;
  stop(): Promise<void>;
}

export async function startConnectionCounter(upstream: { host: string }): Promise<ConnectionCounter> {
  const [upstreamHost, upstreamPort] = upstream.host.split(':');
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let opened = 0;
  let peak = 0;
  const server = createServer((client) => {
    opened += 1;
    sockets.add(client);
    clients.add(client);
    peak = Math.max(peak, clients.size);
    const registry = connect(Number(upstreamPort), upstreamHost);
    sockets.add(registry);
    const close = (): void => {
      client.destroy();
      registry.destroy();
    };
    client.on('close', () => {
      sockets.delete(client);
      clients.delete(client);
      registry.destroy();
    });
    registry.on('close', () => {
      sockets.delete(registry);
      client.destroy();
    });
    client.on('error', close);
    registry.on('error', close);
    client.pipe(registry).pipe(client);
  });
  const listening = await listenOnLoopback(server, sockets);
  return {
    host: listening.host,
    get opened() {
      return opened;
    },
    get peak() {
      return peak;
    },
    stop: listening.stop,
  };
}
