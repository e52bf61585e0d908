import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pushImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { startTokenServer } from '../harness/token-server.js';
import type { TokenServer } from '../harness/token-server.js';
import { ensureTools } from '../harness/tools.js';
import type { HttpRegistry } from '../../src/registry/http/client.js';
import { copyImage } from '../../src/registry/copy.js';
import { manifestBlobs } from '../../src/oci/manifest.js';
import { createRegistryPool } from '../../src/registry/pool.js';
import type { RegistryPoolOptions } from '../../src/registry/pool.js';
import type { HostOptions } from '../../src/registry/types.js';
import { isRegsyncError } from '../../src/util/errors.js';

const CREATED = '2024-03-01T12:00:00Z';
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Everything any client printed or threw in this file: checked for secrets at the end. */
const captured: string[] = [];
const secrets = new Set<string>();

function makePool(hosts: Record<string, HostOptions>, extra: Partial<RegistryPoolOptions> = {}) {
  return createRegistryPool({ hosts, logger: (line) => captured.push(line), retry: { baseDelayMs: 10 }, ...extra });
}

/** Asserts a RegsyncError's code and message, and keeps every text it carries for the secrets check. */
function expectError(code: string, message: RegExp) {
  return (error: unknown) => {
    assert.ok(isRegsyncError(error), `expected a RegsyncError, got ${String(error)}`);
    captured.push(
      error.message,
      error.details ?? '',
      String(error.stack),
      JSON.stringify(error),
      String((error.cause as Error | undefined)?.message ?? ''),
    );
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  };
}

const authHeader = (username: string, password: string) => Buffer.from(`${username}:${password}`).toString('base64');

describe('htpasswd (Basic) registry', () => {
  let registry: RegistryInstance;
  let username: string;
  let password: string;
  let tmp: string;

  before(async () => {
    await ensureTools();
    registry = await startRegistry({ auth: 'htpasswd' });
    ({ username, password } = registry.credentials!);
    secrets.add(password).add(authHeader(username, password));
    await pushImage(registry, 'basic/app', 'v1', { created: CREATED, content: 'basic' });
    tmp = await makeTempDir('registry-auth');
  });
  after(() => registry?.stop());

  test('credentials from the regsync config (host options)', async () => {
    const client = makePool({ [registry.host]: { username, password } }).get('registry', registry.host);
    assert.deepEqual(await client.listTags('basic/app'), ['v1']);
    await client.ping();
    assert.ok(await client.headManifest('basic/app', 'v1'));
  });

  test('anonymous access fails with AUTH_REQUIRED and says where to put credentials', async () => {
    const client = makePool({}, { dockerConfigDir: join(tmp, 'no-docker-config') }).get('registry', registry.host);
    await assert.rejects(client.listTags('basic/app'), (error: unknown) => {
      assert.ok(isRegsyncError(error));
      assert.equal(error.code, 'AUTH_REQUIRED');
      // The registry layer names no config setting: the hint is data the command words.
      assert.equal(error.message, `authentication required for ${registry.host}`);
      assert.deepEqual(error.hint, { kind: 'credentials', host: registry.host });
      return true;
    });
  });

  test('a wrong password fails with AUTH_FAILED naming the user and the source, never the password', async () => {
    const wrong = 'definitely-wrong-password-123';
    secrets.add(wrong);
    const client = makePool({ [registry.host]: { username, password: wrong } }).get('registry', registry.host);
    await assert.rejects(
      client.getManifest('basic/app', 'v1'),
      expectError(
        'AUTH_FAILED',
        new RegExp(`authentication failed for .* as ${username} \\(credentials from the host options\\): check the username and password`),
      ),
    );
  });

  test('credentials from a Docker config.json auths entry ($DOCKER_CONFIG)', async () => {
    const dir = join(tmp, 'docker-auths');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ auths: { [`http://${registry.host}/v2/`]: { auth: authHeader(username, password) } } }),
    );
    const client = makePool({}, { env: { ...process.env, DOCKER_CONFIG: dir } }).get('registry', registry.host);
    assert.deepEqual(await client.listTags('basic/app'), ['v1']);
  });

  test('credentials from a credential helper (credHelpers in config.json, found on PATH from env); run once per host', async () => {
    const bin = join(tmp, 'bin');
    const dir = join(tmp, 'docker-helper');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(bin, { recursive: true });
    mkdirSync(dir, { recursive: true });
    const calls = join(tmp, 'helper-calls.log');
    writeFileSync(calls, '');
    const script = join(bin, 'docker-credential-regsync-test');
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        `[ "$1" = get ] || exit 1`,
        'read -r host',
        `echo "$host" >> ${JSON.stringify(calls)}`,
        `if [ "$host" = "${registry.host}" ]; then printf '{"ServerURL":"%s","Username":"${username}","Secret":"${password}"}' "$host"; else echo "credentials not found in native keychain"; exit 1; fi`,
        '',
      ].join('\n'),
    );
    chmodSync(script, 0o755);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: 'regsync-test' } }));
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const client = makePool({}, { env, dockerConfigDir: dir }).get('registry', registry.host);
    assert.deepEqual(await client.listTags('basic/app'), ['v1']);
    assert.ok(await client.headManifest('basic/app', 'v1'));
    assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), [registry.host], 'the helper ran once, with the host on stdin');

    // The same helper named in regsync's own host options wins over the Docker config.
    const viaOptions = makePool({ [registry.host]: { credentialHelper: 'regsync-test' } }, { env, dockerConfigDir: join(tmp, 'none') }).get(
      'registry',
      registry.host,
    );
    assert.deepEqual(await viaOptions.listTags('basic/app'), ['v1']);

    const missing = makePool({ [registry.host]: { credentialHelper: 'not-installed' } }, { env, dockerConfigDir: join(tmp, 'none') }).get(
      'registry',
      registry.host,
    );
    await assert.rejects(missing.listTags('basic/app'), expectError('AUTH_FAILED', /docker-credential-not-installed is not on PATH/));
  });
});

describe('token (Bearer) registry', () => {
  let tokens: TokenServer;
  let registry: RegistryInstance;
  let username: string;
  let password: string;
  let tmp: string;

  before(async () => {
    await ensureTools();
    tokens = await startTokenServer();
    registry = await startRegistry({ auth: { token: tokens } });
    ({ username, password } = registry.credentials!);
    secrets.add(password).add(authHeader(username, password));
    await pushImage(registry, 'tok/app', 'v1', { created: CREATED, content: 'token', layers: 2 });
    tmp = await makeTempDir('registry-token');
  });
  after(async () => {
    await registry?.stop();
    await tokens?.stop();
  });

  test('anonymous pull: one token for the repository, cached for the next requests', async () => {
    const client = makePool({}, { dockerConfigDir: join(tmp, 'none') }).get('registry', registry.host);
    const before = tokens.requests.length;
    const head = await client.headManifest('tok/app', 'v1');
    assert.ok(head);
    const fetched = await client.getManifest('tok/app', head.digest);
    assert.equal(fetched.manifest.kind, 'manifest');
    if (fetched.manifest.kind !== 'manifest' || fetched.manifest.config === null) return;
    await client.getBlobBytes('tok/app', fetched.manifest.config.digest);
    for (const layer of fetched.manifest.layers) {
      const blob = await client.getBlob('tok/app', layer.digest);
      for await (const _ of blob.stream) void _;
    }
    const asked = tokens.requests.slice(before);
    assert.deepEqual(
      asked.map((r) => ({ scopes: r.scopes, username: r.username })),
      [{ scopes: ['repository:tok/app:pull'], username: null }],
      'exactly one token request',
    );
    console.log(`token-auth pull: ${JSON.stringify(client.stats())}`);
    await assert.rejects(
      client.listTags('tok/app').then(() => client.putManifest('tok/app', 'v2', fetched.bytes, fetched.descriptor.mediaType)),
      expectError('AUTH_REQUIRED', /authentication required for/),
    );
  });

  test('push with credentials: blobs, mount (scopes merged in one token request) and manifest', async () => {
    const client = makePool({ [registry.host]: { username, password } }).get('registry', registry.host) as HttpRegistry;
    const before = tokens.requests.length;
    const source = await client.getManifest('tok/app', 'v1');
    assert.equal(source.manifest.kind, 'manifest');
    if (source.manifest.kind !== 'manifest') return;
    for (const blob of manifestBlobs(source.manifest)) {
      assert.deepEqual(await client.mountBlob('tok/copy', blob.digest, 'tok/app'), { mounted: true });
    }
    const extra = Buffer.from('a fresh blob pushed with a bearer token');
    await client.uploadBlob('tok/copy', sha256(extra), extra.length, Readable.from([extra]));
    assert.equal(await client.putManifest('tok/copy', 'v1', source.bytes, source.descriptor.mediaType), source.descriptor.digest);
    assert.deepEqual(await client.listTags('tok/copy'), ['v1']);
    const asked = tokens.requests.slice(before).map((r) => [r.username, r.scopes.join(' ')]);
    assert.deepEqual(asked, [
      [username, 'repository:tok/app:pull'],
      [username, 'repository:tok/app:pull repository:tok/copy:pull,push'],
    ]);
  });

  test('copyImage into another repository of the token registry asks for one token: target pull,push plus source pull', async () => {
    const client = makePool({ [registry.host]: { username, password } }).get('registry', registry.host);
    const before = tokens.requests.length;
    const result = await copyImage({
      source: client,
      sourceRepository: 'tok/app',
      sourceReference: 'v1',
      target: client,
      targetRepository: 'tok/announced',
      targetTag: 'v1',
    });
    assert.equal(result.blobsMounted, 3, 'config and two layers mounted');
    assert.deepEqual(
      tokens.requests.slice(before).map((r) => r.scopes.join(' ')),
      ['repository:tok/announced:pull,push repository:tok/app:pull'],
      'one token request for the whole copy (reads of both repositories, mounts, manifest PUT)',
    );
  });

  test('copyImage from another registry into the token registry asks the target for one pull,push token', async () => {
    const plain = await startRegistry();
    try {
      await pushImage(plain, 'plain/app', 'v1', { created: CREATED, content: 'from a plain registry', layers: 2 });
      const pool = makePool({ [registry.host]: { username, password } });
      const before = tokens.requests.length;
      const result = await copyImage({
        source: pool.get('registry', plain.host),
        sourceRepository: 'plain/app',
        sourceReference: 'v1',
        target: pool.get('registry', registry.host),
        targetRepository: 'tok/from-plain',
        targetTag: 'v1',
      });
      assert.equal(result.blobsCopied, 3);
      assert.deepEqual(
        tokens.requests.slice(before).map((r) => r.scopes.join(' ')),
        ['repository:tok/from-plain:pull,push'],
      );
    } finally {
      await plain.stop();
    }
  });

  test('a wrong password is AUTH_FAILED at the token service', async () => {
    const wrong = 'wrong-token-password-456';
    secrets.add(wrong);
    const client = makePool({ [registry.host]: { username, password: wrong } }).get('registry', registry.host);
    await assert.rejects(
      client.listTags('tok/app'),
      expectError(
        'AUTH_FAILED',
        new RegExp(
          `^authentication failed for ${registry.host.replaceAll('.', '\\.')} as ${username} \\(credentials from the host options\\): the token service http://127\\.0\\.0\\.1:\\d+/token refused them: check the username and password$`,
        ),
      ),
    );
  });

  test('an identity token from docker login (auths.identitytoken) uses the refresh_token grant', async () => {
    const response = await fetch(tokens.realm, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username, password, service: tokens.service, client_id: 'test' }).toString(),
    });
    const { refresh_token: refresh } = (await response.json()) as { refresh_token: string };
    assert.ok(refresh);
    secrets.add(refresh);
    const dir = join(tmp, 'identity');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${username}:`).toString('base64'), identitytoken: refresh } } }),
    );
    const client = makePool({}, { dockerConfigDir: dir }).get('registry', registry.host);
    const before = tokens.requests.length;
    const content = Buffer.from('pushed with an identity token');
    await client.uploadBlob('tok/identity', sha256(content), content.length, Readable.from([content]));
    assert.ok(await client.headBlob('tok/identity', sha256(content)));
    assert.deepEqual(
      tokens.requests.slice(before).map((r) => [r.method, r.username]),
      [['POST', username]],
    );
  });

  test('every token the server issued is known, for the secrets check', () => {
    for (const token of tokens.issued) secrets.add(token);
    assert.ok(
      [...secrets].some((secret) => secret.split('.').length === 3),
      'at least one JWT was seen',
    );
  });
});

test('no password, token or Authorization value appears in any log line or error message', () => {
  assert.ok(captured.length > 5, `captured ${captured.length} texts`);
  assert.ok(secrets.size >= 4);
  const text = captured.join('\n');
  for (const secret of secrets) assert.ok(!text.includes(secret), `a secret leaked (${secret.slice(0, 3)}…)`);
  assert.doesNotMatch(text, /(Basic|Bearer) [A-Za-z0-9+/=._-]{8,}/);
});
