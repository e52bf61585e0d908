import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { listenOnLoopback } from './tcp-listen.js';

/** What a stalling server does with each connection. */
export type StallMode =
  /** Accept the connection, read the request, never answer. */
  | { type: 'silent' }
  /** Answer with headers and the first bytes of a body, then stall forever (Content-Length promises more). */
  | { type: 'partial-body'; headers: Record<string, string>; length: number; sent: number };

export interface StallingServer {
  /** "127.0.0.1:PORT" */
  host: string;
  /** Connections accepted so far. */
  readonly connections: number;
  stop(): Promise<void>;
}

function partialAnswer(mode: Extract<StallMode, { type: 'partial-body' }>): string {
  const headers = Object.entries({ ...mode.headers, 'content-length': String(mode.length) })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `HTTP/1.1 200 OK\r\n${headers}\r\n${'x'.repeat(mode.sent)}`;
}

/**
 * A plain TCP server standing in for a registry that stops answering: the case a client needs its own
 * timeouts for. Sockets are kept open until stop().
 */
export async function startStallingServer(mode: StallMode = { type: 'silent' }): Promise<StallingServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // Answer (partly) once the request's head has arrived; a silent server just keeps reading.
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      if (mode.type !== 'partial-body' || head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) socket.write(partialAnswer(mode));
    });
  });
  const listening = await listenOnLoopback(server, sockets);
  return {
    host: listening.host,
    get connections() {
      return connections;
    },
    stop: listening.stop,
  };
}
