import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pushImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { ensureTools } from '../harness/tools.js';
import { makeTempDir } from '../harness/temp.js';
import { createRegistryPool } from '../../src/registry/pool.js';
import type { HostOptions } from '../../src/registry/types.js';
import { isRegsyncError } from '../../src/util/errors.js';
import type { ErrorHint } from '../../src/util/errors.js';

const CREATED = '2024-03-01T12:00:00Z';

/** The registry layer says what went wrong and hints, as data, what to change; it names no config setting. */
function expectError(code: string, message: string, hint: ErrorHint['kind'], host: string) {
  return (error: unknown) => {
    assert.ok(isRegsyncError(error), String(error));
    assert.equal(error.code, code, error.message);
    assert.equal(error.message, message);
    assert.deepEqual(error.hint, { kind: hint, host });
    return true;
  };
}

describe('TLS', () => {
  let secure: RegistryInstance;
  let plain: RegistryInstance;
  const pools: Array<ReturnType<typeof createRegistryPool>> = [];
  const client = (host: string, options: HostOptions) => {
    const pool = createRegistryPool({ hosts: { [host]: options }, retry: { baseDelayMs: 10 } });
    pools.push(pool);
    return pool.get('registry', host);
  };

  before(async () => {
    await ensureTools();
    [secure, plain] = await Promise.all([startRegistry({ tls: true }), startRegistry()]);
    await pushImage(secure, 'tls/app', 'v1', { created: CREATED, content: 'tls' });
  });
  after(async () => {
    await Promise.all(pools.map((pool) => pool.close()));
    await Promise.all([secure?.stop(), plain?.stop()]);
  });

  test('each pool (one run) reads NODE_EXTRA_CA_CERTS itself: a file changed between two runs is read again', async () => {
    const dir = await makeTempDir('extra-ca');
    const extra = join(dir, 'extra.crt');
    await writeFile(extra, await readFile(secure.caFile!, 'utf8'));
    const run = (env: NodeJS.ProcessEnv) => {
      const pool = createRegistryPool({ hosts: { [secure.host]: { tls: 'enabled', caFile: secure.caFile! } }, env });
      pools.push(pool);
      return pool.get('registry', secure.host);
    };
    const first = run({ NODE_EXTRA_CA_CERTS: extra });
    assert.deepEqual(await first.listTags('tls/app'), ['v1']);
    await writeFile(extra, '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n');
    assert.deepEqual(await first.listTags('tls/app'), ['v1'], 'the running pool keeps what it read');
    await assert.rejects(
      run({ NODE_EXTRA_CA_CERTS: extra }).listTags('tls/app'),
      (error: unknown) =>
        isRegsyncError(error) && error.code === 'TLS' && error.message.includes(`${extra} (certificate 1 of 1 is damaged)`),
    );
  });

  test('tls: enabled with caFile verifies against that CA', async () => {
    const registry = client(secure.host, { tls: 'enabled', caFile: secure.caFile! });
    assert.deepEqual(await registry.listTags('tls/app'), ['v1']);
  });

  test('tls: enabled without the CA refuses the self-signed certificate, once, with code TLS', async () => {
    const registry = client(secure.host, { tls: 'enabled' });
    await assert.rejects(
      registry.listTags('tls/app'),
      expectError('TLS', `TLS certificate of ${secure.host} is not trusted (self-signed certificate)`, 'tls-untrusted', secure.host),
    );
    assert.equal(registry.stats().requests, 1, 'a TLS failure is not retried');
  });

  test('tls: insecure skips verification for that host only', async () => {
    const registry = client(secure.host, { tls: 'insecure' });
    assert.deepEqual(await registry.listTags('tls/app'), ['v1']);
  });

  test('a loopback host defaults to plain HTTP: an HTTPS-only registry says to enable TLS', async () => {
    const registry = client(secure.host, {});
    await assert.rejects(registry.ping(), expectError('TLS', `${secure.host} expects HTTPS`, 'https-required', secure.host));
  });

  test('tls: enabled against a plain-HTTP registry says to disable TLS', async () => {
    const registry = client(plain.host, { tls: 'enabled' });
    await assert.rejects(registry.ping(), expectError('TLS', `${plain.host} does not speak TLS`, 'tls-unsupported', plain.host));
  });

  test('an unreadable caFile is a TLS error naming the file, with the ca-file hint', async () => {
    const registry = client(secure.host, { tls: 'enabled', caFile: '/nonexistent/ca.pem' });
    await assert.rejects(
      registry.ping(),
      (error: unknown) =>
        isRegsyncError(error) &&
        error.code === 'TLS' &&
        error.message.startsWith(`cannot read caFile /nonexistent/ca.pem for ${secure.host}: `) &&
        error.hint?.kind === 'ca-file',
    );
  });
});
