import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './tcp-listen.js';
import type { Listening } from './tcp-listen.js';

/**
 * A TCP relay to `target` ("127.0.0.1:PORT") that passes at most `bytesPerSecond` each way, in slices. For an engine
 * that reports a layer's bytes only at an interval (podman reports once a second), a layer that takes seconds to
 * arrive is the one it reports bytes for; over bare loopback a layer of tens of MiB arrives before the first report.
 * Tests assert on the reports counted, never on how long the copy took.
 */
export async function startPacedRelay(target: string, bytesPerSecond: number): Promise<Listening> {
  const [targetHost, targetPort] = target.split(':');
  const slice = 16 * 1024;
  const pauseMs = Math.max(1, Math.round((slice / bytesPerSecond) * 1000));
  const sockets = new Set<Socket>();
  const keep = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  // Reads the next chunk only after the previous one was passed on in slices: backpressure keeps the pace.
  const pump = async (from: Socket, to: Socket): Promise<void> => {
    for await (const chunk of from) {
      const bytes = chunk as Buffer;
      for (let offset = 0; offset < bytes.length; offset += slice) {
        if (to.destroyed) return;
        to.write(bytes.subarray(offset, offset + slice));
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
    to.end();
  };
  const server = createServer((client) => {
    const upstream = connect(Number(targetPort), targetHost);
    keep(client);
    keep(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    pump(client, upstream).catch(() => upstream.destroy());
    pump(upstream, client).catch(() => client.destroy());
  });
  return listenOnLoopback(server, sockets);
}
