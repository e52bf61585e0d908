import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startDockerd } from '../harness/dockerd.js';
import type { DockerdInstance } from '../harness/dockerd.js';
import { basicAuth, rawFetch } from '../harness/http.js';
import { pushImage, rawManifest } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { skopeoInspectRaw } from '../harness/skopeo.js';
import { makeTempDir } from '../harness/temp.js';
import { startTokenServer } from '../harness/token-server.js';
import type { TokenServer } from '../harness/token-server.js';
import { ensureTools, missingTools } from '../harness/tools.js';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const CREATED = '2024-03-01T12:00:00Z';

/** The error code somewhere in a fetch failure's cause chain (undici wraps the socket error). */
function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string') codes.push(e.code);
  }
  return codes;
}

test('tools: every program the harness runs is on PATH', async () => {
  await ensureTools();
  assert.deepEqual(missingTools(), []);
});

test('tools: without the programs and without apt-get, the check fails naming what to install', async () => {
  const emptyPath = await makeTempDir('nopath');
  const script = `import('${new URL('../harness/tools.ts', import.meta.url).href}').then((m) => m.ensureTools()).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, PATH: emptyPath },
    encoding: 'utf8',
    cwd: process.cwd(),
  });
  assert.equal(result.status, 3, result.stderr);
  // Every program the harness starts is named, and the Debian packages that bring them.
  const needs = /needs (.+) on PATH/.exec(result.stderr)?.[1]?.split(', ') ?? [];
  for (const program of ['docker-registry', 'dockerd', 'docker', 'skopeo', 'htpasswd', 'podman', 'openssl'])
    assert.ok(needs.includes(program), program);
  const packages = /apt-get install --no-install-recommends ([^)]+)\)/.exec(result.stderr)?.[1]?.split(' ') ?? [];
  for (const name of ['docker-registry', 'docker.io', 'skopeo', 'apache2-utils', 'podman']) assert.ok(packages.includes(name), name);
});

test('temp dirs and registries are cleaned up by stop()', async () => {
  const registry = await startRegistry();
  assert.ok(existsSync(registry.dataDir) || existsSync(registry.logFile));
  await registry.stop();
  await assert.rejects(rawFetch(`${registry.url}/v2/`), (error: unknown) => causeCodes(error).includes('ECONNREFUSED'));
  assert.equal(existsSync(registry.logFile), false);
  const dir = await makeTempDir('smoke');
  assert.ok(existsSync(dir));
});

describe('plain registry', () => {
  let registry: RegistryInstance;
  before(async () => {
    registry = await startRegistry();
  });
  after(() => registry?.stop());

  test('an OCI image and a two-platform Docker manifest list read back byte-identical through skopeo', async () => {
    assert.match(registry.host, /^127\.0\.0\.1:\d+$/);
    assert.equal(registry.credentials, null);
    const oci = await pushImage(registry, 'smoke/oci', 'v1', { created: CREATED, content: 'oci', layers: 2 });
    assert.equal(oci.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const list = await pushImage(registry, 'smoke/multi', '1.0', {
      created: CREATED,
      format: 'docker',
      platforms: ['linux/amd64', 'linux/arm64/v8'],
    });
    assert.equal(list.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    assert.deepEqual(
      list.platforms.map((p) => p.platform),
      ['linux/amd64', 'linux/arm64/v8'],
    );

    for (const [repository, tag, pushed] of [
      ['smoke/oci', 'v1', oci],
      ['smoke/multi', '1.0', list],
    ] as const) {
      const raw = await rawManifest(registry, repository, tag);
      assert.ok(raw, `${repository}:${tag} is in the registry`);
      assert.equal(raw.digest, pushed.digest);
      assert.equal(raw.mediaType, pushed.mediaType);
      const viaSkopeo = await skopeoInspectRaw(`${registry.host}/${repository}:${tag}`);
      assert.equal(sha256(viaSkopeo), pushed.digest);
      assert.ok(viaSkopeo.equals(raw.bytes));
    }
    const index = JSON.parse((await rawManifest(registry, 'smoke/multi', '1.0'))!.bytes.toString('utf8'));
    assert.deepEqual(
      index.manifests.map((m: { platform: unknown }) => m.platform),
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
    );
    assert.equal(await rawManifest(registry, 'smoke/oci', 'missing'), null);
  });

  test('the same spec gives the same digests, a different created date does not', async () => {
    const again = await pushImage(registry, 'smoke/again', 'a', { created: CREATED, content: 'oci', layers: 2 });
    const first = await rawManifest(registry, 'smoke/oci', 'v1');
    assert.equal(again.digest, first!.digest);
    const later = await pushImage(registry, 'smoke/again', 'b', { created: '2024-03-02T12:00:00Z', content: 'oci', layers: 2 });
    assert.notEqual(later.digest, again.digest);
  });
});

describe('htpasswd registry', () => {
  let registry: RegistryInstance;
  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
  });
  after(() => registry?.stop());

  test('anonymous /v2/ is 401 Basic, with credentials 200, and a push works', async () => {
    const anonymous = await rawFetch(`${registry.url}/v2/`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assert.ok(registry.credentials);
    const authed = await rawFetch(`${registry.url}/v2/`, { headers: { authorization: basicAuth(registry.credentials) } });
    assert.equal(authed.status, 200);
    const wrong = await rawFetch(`${registry.url}/v2/`, {
      headers: { authorization: basicAuth({ username: registry.credentials.username, password: 'wrong' }) },
    });
    assert.equal(wrong.status, 401);

    const pushed = await pushImage(registry, 'private/app', 'v1', { created: CREATED });
    assert.equal((await rawManifest(registry, 'private/app', 'v1'))?.digest, pushed.digest);
    await assert.rejects(rawManifest({ url: registry.url }, 'private/app', 'v1'), /HTTP 401/);
    const viaSkopeo = await skopeoInspectRaw(`${registry.host}/private/app:v1`, { credentials: registry.credentials });
    assert.equal(sha256(viaSkopeo), pushed.digest);
  });
});

describe('TLS + htpasswd registry', () => {
  let registry: RegistryInstance;
  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd', tls: true });
  });
  after(() => registry?.stop());

  test('https works with the caFile and fails with a certificate error without it', async () => {
    assert.match(registry.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(registry.caFile);
    const withCa = await rawFetch(`${registry.url}/v2/`, { headers: { authorization: basicAuth(registry.credentials!) } }, registry.caFile);
    assert.equal(withCa.status, 200);
    await assert.rejects(rawFetch(`${registry.url}/v2/`), (error: unknown) => {
      assert.ok(
        causeCodes(error).some((code) => /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)),
        `a certificate error, got ${causeCodes(error).join(',')}`,
      );
      return true;
    });
    const pushed = await pushImage(registry, 'secure/app', 'v1', { created: CREATED, format: 'docker' });
    assert.equal((await rawManifest(registry, 'secure/app', 'v1'))?.digest, pushed.digest);
    const viaSkopeo = await skopeoInspectRaw(`${registry.host}/secure/app:v1`, {
      credentials: registry.credentials,
      caFile: registry.caFile,
    });
    assert.equal(sha256(viaSkopeo), pushed.digest);
  });
});

describe('token registry', () => {
  let tokens: TokenServer;
  let registry: RegistryInstance;
  before(async () => {
    tokens = await startTokenServer();
    registry = await startRegistry({ auth: { token: tokens } });
  });
  after(async () => {
    await registry?.stop();
    await tokens?.stop();
  });

  test('the challenge is Bearer with the realm; anonymous tokens pull but cannot push', async () => {
    const challenge = await rawFetch(`${registry.url}/v2/`);
    assert.equal(challenge.status, 401);
    const header = challenge.headers.get('www-authenticate') ?? '';
    assert.match(header, /^Bearer /);
    assert.ok(header.includes(`realm="${tokens.realm}"`), header);
    assert.ok(header.includes(`service="${tokens.service}"`), header);

    const pushed = await pushImage(registry, 'tok/app', 'v1', { created: CREATED });
    assert.ok(
      tokens.requests.some((r) => r.username === registry.credentials!.username && r.scopes.includes('repository:tok/app:pull,push')),
    );

    const anonymousToken = await rawFetch(`${tokens.realm}?service=${tokens.service}&scope=repository:tok/app:pull,push`);
    assert.equal(anonymousToken.status, 200);
    const { token } = (await anonymousToken.json()) as { token: string };
    const bearer = { authorization: `Bearer ${token}` };
    const pull = await rawFetch(`${registry.url}/v2/tok/app/manifests/v1`, { headers: { ...bearer, accept: pushed.mediaType } });
    assert.equal(pull.status, 200);
    assert.equal(sha256(Buffer.from(await pull.arrayBuffer())), pushed.digest);
    const push = await rawFetch(`${registry.url}/v2/tok/app/blobs/uploads/`, { method: 'POST', headers: bearer });
    assert.equal(push.status, 401);
    assert.match(`${push.headers.get('www-authenticate')} ${await push.text()}`, /insufficient_scope/);

    const wrong = await rawFetch(tokens.realm, {
      headers: { authorization: basicAuth({ username: registry.credentials!.username, password: 'wrong' }) },
    });
    assert.equal(wrong.status, 401);
    const viaSkopeo = await skopeoInspectRaw(`${registry.host}/tok/app:v1`, { credentials: registry.credentials });
    assert.equal(sha256(viaSkopeo), pushed.digest);
  });
});

describe('dockerd', () => {
  let docker: DockerdInstance;
  let source: RegistryInstance;
  let destination: RegistryInstance;
  before(async () => {
    [docker, source, destination] = await Promise.all([startDockerd(), startRegistry(), startRegistry()]);
  });
  after(() => Promise.all([docker?.stop(), source?.stop(), destination?.stop()]));

  test('pull from one registry, tag, push to another: the image ID (config digest) is kept', async () => {
    assert.match(docker.host, /^unix:\/\/\/.+docker\.sock$/);
    assert.deepEqual(Object.keys(docker.env).sort(), ['DOCKER_CONFIG', 'DOCKER_HOST']);
    const pushed = await pushImage(source, 'team/web', 'v1', { created: CREATED, content: 'web' });
    const from = `${source.host}/team/web:v1`;
    const to = `${destination.host}/mirror/web:v1`;
    for (const args of [
      ['pull', from],
      ['tag', from, to],
      ['push', to],
    ]) {
      const result = await docker.docker(args);
      assert.equal(result.exitCode, 0, `docker ${args.join(' ')}: ${result.stderr}`);
    }
    const inspect = await docker.docker(['image', 'inspect', '--format', '{{.Id}}', to]);
    assert.equal(inspect.stdout.trim(), pushed.configDigest);
    const copied = await rawManifest(destination, 'mirror/web', 'v1');
    assert.ok(copied);
    assert.equal(JSON.parse(copied.bytes.toString('utf8')).config.digest, pushed.configDigest);

    const missing = await docker.docker(['pull', `${source.host}/team/web:nope`]);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /manifest unknown/);
  });

  test('docker login against a token registry uses the password grant, and the push then works', async () => {
    const tokens = await startTokenServer();
    const registry = await startRegistry({ auth: { token: tokens } });
    try {
      const from = `${source.host}/team/web:v1`;
      await pushImage(source, 'team/web', 'v1', { created: CREATED, content: 'web' });
      assert.equal((await docker.docker(['pull', from])).exitCode, 0);
      const to = `${registry.host}/locked/web:v1`;
      assert.equal((await docker.docker(['tag', from, to])).exitCode, 0);
      const denied = await docker.docker(['push', to]);
      assert.notEqual(denied.exitCode, 0, 'an anonymous push is refused');
      const { username, password } = registry.credentials!;
      const login = await docker.docker(['login', '-u', username, '--password-stdin', registry.host], { input: password });
      assert.equal(login.exitCode, 0, login.stderr);
      assert.ok(!login.stdout.includes(password) && !login.stderr.includes(password));
      const push = await docker.docker(['push', to]);
      assert.equal(push.exitCode, 0, push.stderr);
      assert.ok(
        tokens.requests.some(
          (r) => r.method === 'POST' && r.username === username && r.scopes.some((scope) => scope.startsWith('repository:locked/web:')),
        ),
      );
    } finally {
      await registry.stop();
      await tokens.stop();
    }
  });
});
