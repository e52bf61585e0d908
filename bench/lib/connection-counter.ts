import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/** A TCP relay that counts the connections clients open through it: what "connections per host" means. */
export interface ConnectionCounter {
  /** "127.0.0.1:PORT", to use as the registry host. */
  host: string;
  /** Connections accepted so far. */
  readonly opened: number;
  /** The most connections open at the same time. */
  readonly peak: number;
  stop(): Promise<void>;
}

/**
 * Relays bytes untouched (TLS, HTTP/1.1 keep-alive, a client's failed HTTPS attempt on a plain port: all
 * pass), so every TCP connection a client opens is one connection here and one to `upstream`.
 */
export async function startConnectionCounter(upstream: { host: string }): Promise<ConnectionCounter> {
  const [upstreamHost, upstreamPort] = upstream.host.split(':');
  const sockets = new Set<Socket>();
  let opened = 0;
  let peak = 0;
  const server = createServer((client) => {
    opened += 1;
    const far = createConnection({ host: upstreamHost, port: Number(upstreamPort) });
    sockets.add(client).add(far);
    peak = Math.max(peak, sockets.size / 2);
    const end = (): void => {
      client.destroy();
      far.destroy();
      sockets.delete(client);
      sockets.delete(far);
    };
    client.on('error', end).on('close', end);
    far.on('error', end).on('close', end);
    client.pipe(far).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    get opened() {
      return opened;
    },
    get peak() {
      return peak;
    },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
