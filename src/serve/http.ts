import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { RegsyncError } from '../util/errors.js';

/** `--listen`: `:9090` (every interface), `127.0.0.1:9090`, `[::1]:9090`; port 0 picks a free one. */
export function parseListen(value: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) {
    throw new RegsyncError(`--listen ${JSON.stringify(value)} is not HOST:PORT: try :9090 or 127.0.0.1:9090`, { code: 'USAGE' });
  }
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}

export interface ServeEndpoints {
  registry: Registry;
  /** /readyz: the last cycle ended without a fatal error. */
  ready(): boolean;
}

/** /metrics, /healthz, /readyz; anything else 404. */
export async function startHttp(listen: string, endpoints: ServeEndpoints): Promise<{ server: Server; address: string }> {
  const { host, port } = parseListen(listen);
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      endpoints.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': endpoints.registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
      );
      return;
    }
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const ready = endpoints.ready();
      response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz or /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new RegsyncError(`cannot listen on ${listen}: ${error.code ?? error.message}`, { code: 'USAGE', cause: error })),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return { server, address: `${shown}:${bound.port}` };
}
