import type { AddressInfo, Server, Socket } from 'node:net';
import { onProcessExit } from './exit.js';

/** A TCP server listening on a free loopback port, whose `stop()` also cuts the sockets it kept in `sockets`. */
export interface Listening {
  /** "127.0.0.1:PORT" */
  host: string;
  stop(this: void): Promise<void>;
}

export async function listenOnLoopback(server: Server, sockets: Set<Socket>): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const destroyAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  onProcessExit(() => {
    destroyAll();
    server.close();
  });
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
