import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Failures, isRecordedOrCancelled } from '../../src/inventory/failures.js';
import { createLimiter } from '../../src/util/concurrency.js';

const at = (host: string) => ({ mirror: 'm', host, repository: 'app', what: 'read tag v1 of' });

describe('Failures: reads bounded per host', () => {
  it("a host whose reads fill its bound does not hold back another host's reads", async () => {
    const failures = new Failures(() => createLimiter(1));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const busy = [failures.read(at('source'), () => gate), failures.read(at('source'), () => gate)];
    assert.equal(await failures.read(at('destination'), () => Promise.resolve('read')), 'read');
    release();
    await Promise.all(busy);
  });

  it('the first failure cancels the queued reads of every host, and of hosts not seen yet', async () => {
    const failures = new Failures(() => createLimiter(1));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const running = failures.read(at('destination'), () => gate);
    const queued = failures.read(at('destination'), () => Promise.resolve());
    await assert.rejects(
      failures.read(at('source'), () => Promise.reject(new Error('connection refused'))),
      isRecordedOrCancelled,
    );
    await assert.rejects(
      failures.read(at('elsewhere'), () => Promise.resolve()),
      isRecordedOrCancelled,
    );
    // The running read finishes; the one queued behind it on the other host is cancelled when its turn comes.
    release();
    await running;
    await assert.rejects(queued, isRecordedOrCancelled);
    assert.match(failures.toError()?.message ?? '', /cannot read tag v1 of source\/app: connection refused/);
  });
});
