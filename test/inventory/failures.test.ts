import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Failures, failsTheHost, isRecordedOrCancelled, RepositoryFailedError } from '../../src/inventory/failures.js';
import { RegsyncError } from '../../src/util/errors.js';
import type { ErrorCode } from '../../src/util/errors.js';
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

describe('Failures: after the first failure', () => {
  it('reads in flight are aborted through the signal and count as cancelled, not as more failures', async () => {
    const failures = new Failures(() => createLimiter(4));
    let seen: AbortSignal | null = null;
    // A read that ends only when aborted, as a registry call being retried does.
    const retrying = failures.read(at('source'), (signal) => {
      seen = signal;
      return new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
      );
    });
    await assert.rejects(
      failures.read(at('destination'), () => Promise.reject(new Error('authentication failed'))),
      isRecordedOrCancelled,
    );
    assert.equal(seen!.aborted, true);
    await assert.rejects(retrying, isRecordedOrCancelled);
    await failures.settled();
    assert.equal(failures.errors.length, 1);
    assert.doesNotMatch(failures.toError()!.message, /more read/);
  });

  it('settled() waits for the reads still in flight, so a failure that comes after the first is counted and listed', async () => {
    const failures = new Failures(() => createLimiter(4));
    let fail: () => void = () => undefined;
    // Already past the point where an abort stops it: its own failure arrives after the first one.
    const late = failures.read(
      at('destination'),
      () => new Promise((_resolve, reject) => (fail = () => reject(new Error('refused late')))),
    );
    await assert.rejects(
      failures.read(at('source'), () => Promise.reject(new Error('refused first'))),
      isRecordedOrCancelled,
    );
    late.catch(() => undefined);
    let settled = false;
    const waiting = failures.settled().then(() => (settled = true));
    await Promise.resolve();
    assert.equal(settled, false, 'settled() waits for the read in flight');
    fail();
    await waiting;
    const error = failures.toError()!;
    assert.match(error.message, /refused first \(1 more read failed; --verbose lists them\)$/);
    assert.deepEqual(error.details?.split('\n'), [
      'mirror m: cannot read tag v1 of source/app: refused first',
      'mirror m: cannot read tag v1 of destination/app: refused late',
    ]);
  });
});

describe('Failures: a source repository fails alone, a host fails everything', () => {
  const registryError = (code: ErrorCode, status?: number, cause?: unknown) =>
    new RegsyncError(`failed (${code})`, { code, ...(status === undefined ? {} : { status }), ...(cause === undefined ? {} : { cause }) });

  it('a 503, a bad manifest or a reset connection is recorded against its repository; the other reads go on', async () => {
    const failures = new Failures(() => createLimiter(4));
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    for (const [repository, error] of [
      ['app1', registryError('REGISTRY', 503)],
      ['app2', registryError('MANIFEST_INVALID')],
      ['app3', registryError('NETWORK', undefined, reset)],
    ] as const) {
      const context = { mirror: 'm', host: 'source', repository, what: 'read tag v1 of' };
      await assert.rejects(
        failures.readRepository(context, () => Promise.reject(error)),
        RepositoryFailedError,
      );
      // A second failure of the same repository is not listed twice.
      await assert.rejects(
        failures.readRepository(context, () => Promise.reject(error)),
        RepositoryFailedError,
      );
    }
    assert.deepEqual(
      failures.repositories.map((failure) => `${failure.host}/${failure.repository}`),
      ['source/app1', 'source/app2', 'source/app3'],
    );
    assert.equal(failures.signal.aborted, false);
    assert.equal(failures.toError(), null);
    assert.equal(await failures.read(at('source'), () => Promise.resolve('still read')), 'still read');
  });

  for (const [name, error] of [
    ['401', registryError('AUTH_FAILED', 401)],
    ['403', registryError('FORBIDDEN', 403)],
    ['TLS', registryError('TLS')],
    ['connection refused', registryError('NETWORK', undefined, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))],
    ['a name that does not resolve', registryError('NETWORK', undefined, Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }))],
    ['a bug', new TypeError('x is undefined')],
  ] as const) {
    it(`${name} fails the plan at once`, async () => {
      assert.equal(failsTheHost(error), true);
      const failures = new Failures(() => createLimiter(4));
      await assert.rejects(
        failures.readRepository(at('source'), () => Promise.reject(error)),
        isRecordedOrCancelled,
      );
      assert.equal(failures.signal.aborted, true);
      assert.equal(failures.repositories.length, 0);
      assert.notEqual(failures.toError(), null);
    });
  }
});
