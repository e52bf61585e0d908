/**
 * A keep-alive connection's timeout is armed once, not per request (issue 17: the no-op plan's CPU per request).
 * Node's agent re-armed the socket's timer twice per request (the request timeout on assignment, the idle timeout
 * when freed), each time a new timer. Counted here: socket.setTimeout calls for many HEADs over a real registry.
 */
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pushImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { ensureTools } from '../harness/tools.js';
import { createRegistryPool } from '../../src/registry/pool.js';

const HEADS = 40;
const CAP = 2;

describe('socket timers per request', () => {
  let registry: RegistryInstance;

  before(async () => {
    await ensureTools();
    registry = await startRegistry();
    await pushImage(registry, 'team/app', 'v1', { created: '2024-05-01T00:00:00Z', content: 'timers' });
  });
  after(async () => {
    await registry?.stop();
  });

  it(`${HEADS} HEADs over ${CAP} connections arm each connection's timeout once, and still time nothing out`, async () => {
    const pool = createRegistryPool({ hosts: { [registry.host]: { maxConcurrency: CAP, timeout: 30_000 } } });
    const client = pool.get('registry', registry.host);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, and called with its socket.
    const original = Socket.prototype.setTimeout;
    let armed = 0;
    const sockets = new Set<Socket>();
    Socket.prototype.setTimeout = function (this: Socket, ...args: Parameters<Socket['setTimeout']>) {
      if (this.remotePort === registry.port || this.remotePort === undefined) {
        armed += 1;
        sockets.add(this);
      }
      return original.apply(this, args);
    };
    try {
      await client.headManifest('team/app', 'v1'); // the first: /v2/ and the connection
      for (let i = 0; i < HEADS / CAP; i += 1) {
        const found = await Promise.all(Array.from({ length: CAP }, () => client.headManifest('team/app', 'v1')));
        assert.ok(found.every((descriptor) => descriptor !== null));
      }
    } finally {
      Socket.prototype.setTimeout = original;
      await pool.close();
    }
    assert.ok(sockets.size <= CAP + 1, `${sockets.size} connections`);
    // Once per connection (at creation), not twice per request (it was ≥ 2 × ${HEADS}).
    assert.ok(armed <= 2 * sockets.size, `socket timers armed ${armed} times for ${HEADS + 1} requests over ${sockets.size} connections`);
  });
});
