/**
 * The keep-alive pool honours a server's `Keep-Alive: timeout=N`, as Node's own agent does: a server that says it
 * closes idle connections at once (timeout=0) gets a new connection per request instead of a reused socket it has
 * already closed (a reset, and a streamed upload that cannot be sent again). Counted by connections, not time.
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { Agent, IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { keepAliveAgent } from '../../src/registry/http/keep-alive.js';

let keepAliveHeader: string | null = null;
let connections = 0;
const server = createServer((_req, res) => {
  const headers: IncomingHttpHeaders = keepAliveHeader === null ? {} : { 'keep-alive': keepAliveHeader };
  res.writeHead(200, { 'content-length': '2', ...headers });
  res.end('ok');
});
server.on('connection', () => void (connections += 1));

before(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function get(agent: Agent): Promise<void> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
}

async function connectionsFor(header: string | null, requests: number): Promise<number> {
  keepAliveHeader = header;
  connections = 0;
  const agent = keepAliveAgent(false, { maxSockets: 1 }, 5_000);
  try {
    for (let i = 0; i < requests; i += 1) await get(agent);
  } finally {
    agent.destroy();
  }
  return connections;
}

describe('keep-alive pool', () => {
  it('reuses one connection when the server says nothing, or keeps idle connections for seconds', async () => {
    assert.equal(await connectionsFor(null, 3), 1);
    assert.equal(await connectionsFor('timeout=5', 3), 1);
  });

  it('opens a new connection per request when the server keeps none idle (timeout=0 or 1)', async () => {
    assert.equal(await connectionsFor('timeout=0', 3), 3);
    assert.equal(await connectionsFor('max=100, timeout=1', 3), 3);
  });
});
