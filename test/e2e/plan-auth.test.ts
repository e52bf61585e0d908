/**
 * `regsync plan` as a user runs it against REAL registries that need credentials: Basic auth from
 * registries.<host> (${VAR}), from a Docker config.json, and none; TLS with and without caFile; a Bearer
 * token registry; the sync.sh command line and its `regsync config` migration. Every output is grepped
 * for the passwords at the end.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Plan } from '../../src/plan/types.js';
import { seed } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { startTokenServer } from '../harness/token-server.js';
import type { TokenServer } from '../harness/token-server.js';
import { ensureTools } from '../harness/tools.js';
import { cli, planEnv } from './plan-fixture.js';
import type { CliResult } from './plan-fixture.js';

const images = [
  { repository: 'team/app1', tag: 'v1.0.0', spec: { content: 'auth-a100', created: '2024-01-01T00:00:00Z' } },
  { repository: 'team/app1', tag: 'v1.1.0-rc1', spec: { content: 'auth-a11rc', created: '2024-06-01T00:00:00Z' } },
  { repository: 'team/app1', tag: 'v1.1.0', spec: { content: 'auth-a110', created: '2024-06-10T00:00:00Z' } },
  { repository: 'team/app2', tag: 'v1.0.0', spec: { content: 'auth-b100', created: '2024-06-20T00:00:00Z' } },
  { repository: 'other/x', tag: 'v1.0.0', spec: { content: 'auth-x', created: '2024-06-20T00:00:00Z' } },
];

let basic: RegistryInstance;
let secure: RegistryInstance;
let tokens: TokenServer;
let bearer: RegistryInstance;
let plain: RegistryInstance;
let dir: string;
const outputs: string[] = [];

async function run(argv: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await cli(argv, await planEnv(extra), dir);
  outputs.push(result.stdout, result.stderr);
  return result;
}

async function config(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

const password = (registry: RegistryInstance): string => registry.credentials!.password;
const user = (registry: RegistryInstance): string => registry.credentials!.username;
const targets = (plan: Plan): string[] => plan.changes.map((change) => `${change.action} ${change.target.ref}`);

before(async () => {
  await ensureTools();
  tokens = await startTokenServer();
  [basic, secure, bearer, plain] = await Promise.all([
    startRegistry({ auth: 'htpasswd' }),
    startRegistry({ auth: 'htpasswd', tls: true }),
    startRegistry({ auth: { token: tokens } }),
    startRegistry(),
  ]);
  await Promise.all([basic, secure, bearer].map((r) => seed({ url: r.url, credentials: r.credentials, caFile: r.caFile }, images)));
  dir = await makeTempDir('plan-auth');
});
after(async () => {
  await Promise.all([basic?.stop(), secure?.stop(), bearer?.stop(), plain?.stop(), tokens?.stop()]);
});

describe('regsync plan with credentials, TLS and tokens', () => {
  const mirrorOf = (source: RegistryInstance) => `
mirrors:
  - name: apps
    source: ${source.host}/team
    destination: ${plain.host}/mirror
    executor: registry
    repositories: { names: [app1] }
`;

  it('Basic auth from registries.<host> with ${VAR} credentials', async () => {
    const file = await config(
      'basic.yaml',
      `version: 1\nregistries:\n  "${basic.host}":\n    username: \${REG_USER}\n    password: \${REG_PASSWORD}\n${mirrorOf(basic)}`,
    );
    const result = await run(['plan', '-c', file, '--json', '-v'], { REG_USER: user(basic), REG_PASSWORD: password(basic) });
    assert.equal(result.code, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as Plan;
    assert.deepEqual(
      targets(plan),
      ['create', 'create', 'create'].map((a, i) => `${a} ${plain.host}/mirror/app1:${['v1.0.0', 'v1.1.0', 'v1.1.0-rc1'][i]}`),
    );
    assert.match(result.stderr, new RegExp(`requests in .*${basic.host.replace(/\./g, '\\.')}`), 'the -v stats line names the host');
  });

  it('Basic auth from a Docker config.json (DOCKER_CONFIG)', async () => {
    const dockerConfig = await makeTempDir('plan-auth-docker');
    const auth = Buffer.from(`${user(basic)}:${password(basic)}`).toString('base64');
    await writeFile(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [basic.host]: { auth } } }));
    const result = await run(['plan', '-c', await config('docker.yaml', `version: 1\n${mirrorOf(basic)}`), '--json'], {
      DOCKER_CONFIG: dockerConfig,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as Plan).summary.create, 3);
  });

  it('no credentials: exit 1, one line naming the host and what to do', async () => {
    const result = await run(['plan', '-c', await config('none.yaml', `version: 1\n${mirrorOf(basic)}`)]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      new RegExp(
        `authentication required for ${basic.host.replace(/\./g, '\\.')}: add credentials under registries\\."${basic.host.replace(/\./g, '\\.')}" in none\\.yaml or run docker login`,
      ),
    );
  });

  it('no credentials in sync.sh style: the error names the flag for that side', async () => {
    const source = await run(['plan', `${basic.host}/team`, plain.host]);
    assert.equal(source.code, 1);
    assert.match(
      source.stderr,
      new RegExp(
        `authentication required for ${basic.host.replace(/\./g, '\\.')}: pass --src-auth USER:PASSWORD \\(or set SYNC_SRC_AUTH\\) or run docker login`,
      ),
    );
    const wrong = await run(['plan', `${basic.host}/team`, plain.host, '--src-auth', `${user(basic)}:not-the-password`]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /credentials from --src-auth \/ SYNC_SRC_AUTH/);
    assert.ok(!wrong.stderr.includes('not-the-password'));
  });

  it('TLS with caFile plans; without it, a clear error naming the host and the fix', async () => {
    const registries = (ca: string) =>
      `version: 1\nregistries:\n  "${secure.host}":\n    username: ${user(secure)}\n    password: \${TLS_PASSWORD}\n    tls: enabled\n${ca}${mirrorOf(secure)}`;
    const env = { TLS_PASSWORD: password(secure) };
    const ok = await run(['plan', '-c', await config('tls.yaml', registries(`    caFile: ${secure.caFile!}\n`)), '--json'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as Plan).summary.create, 3);
    const refused = await run(['plan', '-c', await config('tls-noca.yaml', registries('')), '--json'], env);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, '');
    assert.ok(
      refused.stderr.includes(
        `TLS certificate of ${secure.host} is not trusted (self-signed certificate): set registries."${secure.host}".caFile or tls: insecure`,
      ),
      refused.stderr,
    );
  });

  it('TLS advice in sync.sh style points at what such a user can change, not at a config file they do not have', async () => {
    // A loopback host defaults to plain HTTP; this one speaks only HTTPS.
    const result = await run(['plan', `${secure.host}/team`, plain.host, '--src-auth', `${user(secure)}:${password(secure)}`]);
    assert.equal(result.code, 1);
    assert.ok(
      result.stderr.includes(
        `${secure.host} expects HTTPS: set registries."${secure.host}".tls: enabled (with caFile) or insecure in a config file ` +
          '(regsync config with the same arguments prints one to start from)',
      ),
      result.stderr,
    );
  });

  it('a Bearer token registry with credentials from the config', async () => {
    const file = await config(
      'token.yaml',
      `version: 1\nregistries:\n  "${bearer.host}":\n    username: ${user(bearer)}\n    password: \${TOKEN_PASSWORD}\n${mirrorOf(bearer)}`,
    );
    const result = await run(['plan', '-c', file, '--json', '-v'], { TOKEN_PASSWORD: password(bearer) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as Plan).summary.create, 3);
    assert.ok(
      tokens.requests.some((request) => request.username === user(bearer) && request.status === 200),
      'a token was issued to the configured user',
    );
  });

  it('sync.sh flags, the same via SYNC_* variables, and `regsync config` give the same plan', async () => {
    const flags = [
      '-i',
      '^team/',
      '-t',
      '^v1',
      '-x',
      'rc',
      '-a',
      '30d',
      '-r',
      'mirror/\\2',
      '--src-auth',
      `${user(basic)}:${password(basic)}`,
    ];
    const env = { REGSYNC_NOW: '2024-07-01T00:00:00Z' };
    const byFlags = await run(['plan', basic.host, plain.host, ...flags, '--json'], env);
    assert.equal(byFlags.code, 0, byFlags.stderr);
    const plan = JSON.parse(byFlags.stdout) as Plan;
    assert.deepEqual(targets(plan), [`create ${plain.host}/mirror/app1:v1.1.0`, `create ${plain.host}/mirror/app2:v1.0.0`]);
    assert.deepEqual(
      plan.skipped.map((s) => `${s.filter} ${s.ref}`),
      [`include ${basic.host}/other/x`, `maxAge ${basic.host}/team/app1:v1.0.0`, `exclude ${basic.host}/team/app1:v1.1.0-rc1`],
    );

    const byEnv = await run(['plan', '--json'], {
      ...env,
      SYNC_SRC_REGISTRY: basic.host,
      SYNC_DST_REGISTRY: plain.host,
      SYNC_IMAGES: '^team/',
      SYNC_TAGS: '^v1',
      SYNC_EXCLUDE: 'rc',
      SYNC_AGE: '30d',
      SYNC_RENAME: 'mirror/\\2',
      SYNC_SRC_AUTH: `${user(basic)}:${password(basic)}`,
    });
    assert.equal(byEnv.code, 0, byEnv.stderr);
    const strip = (text: string) => text.replace(/"stats": \{[^}]*\}/, '');
    assert.equal(strip(byEnv.stdout), strip(byFlags.stdout));

    const yaml = await run(['config', basic.host, plain.host, ...flags]);
    assert.equal(yaml.code, 0, yaml.stderr);
    await mkdir(join(dir, 'migrated'), { recursive: true });
    const migrated = join(dir, 'migrated', 'regsync.yaml');
    await writeFile(migrated, yaml.stdout);
    const credentials = { SYNC_SRC_PASSWORD: password(basic) };
    const validated = await run(['validate', '-c', migrated], credentials);
    assert.equal(validated.code, 0, validated.stderr);
    const fromFile = await run(['plan', '-c', migrated, '--json'], { ...env, ...credentials });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(strip(fromFile.stdout), strip(byFlags.stdout), 'the migrated config plans the same, config digest included');
  });

  it('a source prefix with no repository under it is an error (exit 1) instead of a silent "No changes"', async () => {
    const file = await config(
      'single.yaml',
      `version: 1\nmirrors:\n  - name: one\n    source: ${plain.host}/mirror/app1\n    destination: ${plain.host}/copy\n    executor: registry\n`,
    );
    const result = await run(['plan', '-c', file]);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      new RegExp(
        `^regsync: mirror one: the source ${plain.host}/mirror/app1 matches no repository \\(the catalog of ${plain.host} lists \\d+ repositor(y|ies), none under mirror/app1, and mirror/app1 itself has no tags\\); check the source\n`,
      ),
    );
    const json = await run(['plan', '-c', file, '--json']);
    assert.equal(json.code, 1);
    assert.equal(json.stdout, '', 'no plan JSON for a plan with problems');
    const quiet = await run(['plan', '-c', file, '-q']);
    assert.equal(quiet.stderr, result.stderr, '-q still prints errors (issue 7)');
  });

  it('no output of any of these runs, nor any plan file, contains a password', async () => {
    const plan = join(dir, 'plan.json');
    const result = await run(['plan', basic.host, plain.host, '--src-auth', `${user(basic)}:${password(basic)}`, '-o', plan, '-v']);
    assert.equal(result.code, 0, result.stderr);
    outputs.push(await readFile(plan, 'utf8'));
    const secrets = [basic, secure, bearer].flatMap((r) => [password(r), Buffer.from(`${user(r)}:${password(r)}`).toString('base64')]);
    for (const secret of secrets) {
      assert.ok(!outputs.some((text) => text.includes(secret)), `a secret appeared in the output`);
    }
    assert.ok(outputs.length > 20);
  });
});
