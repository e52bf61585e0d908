/**
 * Credentials from other tools' files, against a REAL htpasswd registry: containers' auth.json (written by a
 * real `skopeo login` and by the test) at REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers and
 * ~/.config/containers, with auths and credHelpers; Docker's config.json; and the order between them and
 * regsync's own config. HOME, XDG_RUNTIME_DIR, REGISTRY_AUTH_FILE and DOCKER_CONFIG point into temp dirs.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Plan } from '../../src/plan/types.js';
import { execTool } from '../harness/exec.js';
import { seed } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { cli, NOW } from './plan-fixture.js';
import type { CliResult } from './plan-fixture.js';

let registry: RegistryInstance;
let destination: RegistryInstance;
let dir: string;
const outputs: string[] = [];

before(async () => {
  await ensureTools();
  [registry, destination] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startRegistry()]);
  await seed({ url: registry.url, credentials: registry.credentials }, [
    { repository: 'team/app', tag: 'v1', spec: { content: 'credential-files', created: '2024-06-01T00:00:00Z' } },
  ]);
  dir = await makeTempDir('credential-files');
});
after(() => Promise.all([registry?.stop(), destination?.stop()]));

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const basicAuth = (password: string) => Buffer.from(`${registry.credentials!.username}:${password}`).toString('base64');
const WRONG = 'a-wrong-password-from-a-file';

/** A fresh home with the XDG runtime dir and Docker config inside it; nothing else of the machine is read. */
async function home(): Promise<{ root: string; env: NodeJS.ProcessEnv }> {
  const root = await makeTempDir('credential-home');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    XDG_RUNTIME_DIR: join(root, 'run'),
    REGSYNC_NOW: NOW,
    REGSYNC_CACHE_DIR: join(root, 'cache'),
  };
  mkdirSync(join(root, 'run'));
  return { root, env };
}

function writeJson(file: string, value: unknown): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value));
  return file;
}

const auths = (password: string, key = registry.host) => ({ auths: { [key]: { auth: basicAuth(password) } } });

async function plan(env: NodeJS.ProcessEnv, registries = ''): Promise<CliResult> {
  const file = join(dir, `regsync-${outputs.length}.yaml`);
  writeFileSync(
    file,
    `version: 1\n${registries}mirrors:\n  - name: m\n    source: ${registry.host}/team\n    destination: ${destination.host}/mirror\n` +
      `    executor: registry\n    repositories: { names: [app] }\n`,
  );
  const result = await cli(['plan', '-c', file, '--json'], env, dir);
  outputs.push(result.stdout, result.stderr);
  return result;
}

function assertPlanned(result: CliResult): void {
  assert.equal(result.code, 0, result.stderr);
  assert.equal((JSON.parse(result.stdout) as Plan).summary.create, 1);
}

/** The wrong password was sent: the error names the file it came from, proving which file won. */
function assertFailedFrom(result: CliResult, source: string): void {
  assert.equal(result.code, 1, result.stdout);
  assert.match(result.stderr, new RegExp(`authentication failed for ${escape(registry.host)} .*\\(credentials from ${escape(source)}\\)`));
}

describe('credentials from containers auth files and the Docker config', () => {
  it('a real `skopeo login` auth file at REGISTRY_AUTH_FILE', async () => {
    const { root, env } = await home();
    const file = join(root, 'skopeo-auth.json');
    const { username, password } = registry.credentials!;
    await execTool('skopeo', ['login', '--tls-verify=false', '--authfile', file, '-u', username, '--password-stdin', registry.host], {
      input: password,
    });
    assert.ok(readFileSync(file, 'utf8').includes('"auths"'), 'skopeo wrote an auth file');
    assertPlanned(await plan({ ...env, REGISTRY_AUTH_FILE: file }));
  });

  it('$XDG_RUNTIME_DIR/containers/auth.json (podman login) and ~/.config/containers/auth.json', async () => {
    const runtime = await home();
    writeJson(join(runtime.root, 'run', 'containers', 'auth.json'), auths(registry.credentials!.password));
    assertPlanned(await plan(runtime.env));

    const config = await home();
    writeJson(join(config.root, '.config', 'containers', 'auth.json'), auths(registry.credentials!.password, `http://${registry.host}`));
    assertPlanned(await plan(config.env));
  });

  it('~/.docker/config.json with the https:// key form docker writes', async () => {
    const { root, env } = await home();
    writeJson(join(root, '.docker', 'config.json'), auths(registry.credentials!.password, `https://${registry.host}/v1/`));
    assertPlanned(await plan(env));
  });

  it('credHelpers in a containers auth file run docker-credential-<name>', async () => {
    const { root, env } = await home();
    const bin = join(root, 'bin');
    mkdirSync(bin);
    const { username, password } = registry.credentials!;
    const script = join(bin, 'docker-credential-files-test');
    writeFileSync(
      script,
      `#!/bin/sh\n[ "$1" = get ] || exit 1\nread -r host\n[ "$host" = "${registry.host}" ] || { echo "credentials not found"; exit 1; }\n` +
        `printf '{"Username":"${username}","Secret":"${password}"}'\n`,
    );
    chmodSync(script, 0o755);
    writeJson(join(root, '.config', 'containers', 'auth.json'), { credHelpers: { [registry.host]: 'files-test' } });
    assertPlanned(await plan({ ...env, PATH: `${bin}:${env.PATH ?? ''}` }));
  });

  it('first match wins: regsync config, REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR, ~/.config, then Docker', async () => {
    const { root, env } = await home();
    const good = registry.credentials!.password;
    const authFile = join(root, 'override.json');
    const runtimeFile = join(root, 'run', 'containers', 'auth.json');
    const configFile = join(root, '.config', 'containers', 'auth.json');
    const dockerFile = join(root, 'docker', 'config.json');
    const files = { ...env, REGISTRY_AUTH_FILE: authFile, DOCKER_CONFIG: join(root, 'docker') };

    // Each file holds a wrong password and the next one the right one: the failure names the file read.
    writeJson(authFile, auths(WRONG));
    writeJson(runtimeFile, auths(good));
    assertFailedFrom(await plan(files), `auths in ${authFile}`);
    const { username } = registry.credentials!;
    const own = `registries:\n  "${registry.host}":\n    username: ${username}\n    password: \${GOOD}\n`;
    assertPlanned(await plan({ ...files, GOOD: good }, own));

    writeJson(authFile, {});
    writeJson(runtimeFile, auths(WRONG));
    writeJson(configFile, auths(good));
    assertFailedFrom(await plan(files), `auths in ${runtimeFile}`);

    writeJson(runtimeFile, {});
    writeJson(configFile, auths(WRONG));
    writeJson(dockerFile, auths(good));
    assertFailedFrom(await plan(files), `auths in ${configFile}`);

    writeJson(configFile, { auths: { [`${registry.host}/other-namespace`]: { auth: basicAuth(WRONG) } } });
    assertPlanned(await plan(files));
  });

  it('without credentials anywhere: the hint names docker login and podman login', async () => {
    const { env } = await home();
    const result = await plan(env);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(`authentication required for ${escape(registry.host)}: .*docker login ${escape(registry.host)}`),
    );
    assert.match(result.stderr, new RegExp(`podman login ${escape(registry.host)}`));
  });

  it('no password appears in any output', () => {
    const text = outputs.join('\n');
    for (const secret of [registry.credentials!.password, WRONG, basicAuth(registry.credentials!.password), basicAuth(WRONG)])
      assert.ok(!text.includes(secret), `a secret leaked (${secret.slice(0, 3)}…)`);
  });
});
