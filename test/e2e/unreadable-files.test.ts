/**
 * Files regsync depends on but does not own, broken: an unreadable ~/.docker/config.json and an unreadable or
 * invalid NODE_EXTRA_CA_CERTS are errors naming the file, never anonymous access followed by "run docker
 * login" or a "not trusted" far from the cause. REAL htpasswd and TLS registries.
 *
 * Tests run as root, where chmod 000 does not stop a read: the EACCES case runs regsync in a child process
 * as uid/gid nobody (65534), over a home owned by nobody whose config.json is mode 000.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { seed } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { cli, NOW, planEnv } from './plan-fixture.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NOBODY = 65534;

let basic: RegistryInstance;
let secure: RegistryInstance;
let dir: string;

before(async () => {
  await ensureTools();
  [basic, secure] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startRegistry({ tls: true })]);
  const image = { repository: 'team/app', tag: 'v1', spec: { content: 'unreadable-files', created: '2024-06-01T00:00:00Z' } };
  await Promise.all([
    seed({ url: basic.url, credentials: basic.credentials }, [image]),
    seed({ url: secure.url, caFile: secure.caFile }, [image]),
  ]);
  dir = await makeTempDir('unreadable-files');
});
after(() => Promise.all([basic?.stop(), secure?.stop()]));

function writeConfig(name: string, source: string, registries = ''): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `version: 1\n${registries}mirrors:\n  - name: m\n    source: ${source}/team\n    destination: ocidir://${join(dir, 'out')}\n` +
      '    executor: registry\n    repositories: { names: [app] }\n',
  );
  chmodSync(file, 0o644);
  return file;
}

/** regsync run as nobody; resolves with its exit code and stderr. */
function runAsNobody(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...argv], {
      cwd: ROOT,
      env,
      uid: NOBODY,
      gid: NOBODY,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('an unreadable Docker config', () => {
  it('EACCES on ~/.docker/config.json (uid nobody, mode 000) is an error naming the file, not anonymous access', async () => {
    const home = join(dir, 'nobody-home');
    const dockerConfig = join(home, '.docker', 'config.json');
    mkdirSync(dirname(dockerConfig), { recursive: true });
    writeFileSync(dockerConfig, JSON.stringify({ auths: { [basic.host]: { auth: 'dXNlcjpwYXNz' } } }));
    for (const path of [home, dirname(dockerConfig), dockerConfig]) chownSync(path, NOBODY, NOBODY);
    chmodSync(dirname(dir), 0o755);
    chmodSync(dir, 0o755);
    chmodSync(dockerConfig, 0o000);
    const config = writeConfig('basic.yaml', basic.host);
    // TMPDIR: tsx keeps its cache there, and the machine's /tmp may not let nobody in.
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      XDG_RUNTIME_DIR: join(home, 'run'),
      REGSYNC_NOW: NOW,
      REGSYNC_CACHE_DIR: join(home, 'cache'),
      TMPDIR: home,
    };
    const result = await runAsNobody(['plan', '-c', config], env);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(
      result.stderr.includes(
        `cannot read the Docker config ${dockerConfig} (permission denied): make it readable or point DOCKER_CONFIG at another directory`,
      ),
      result.stderr,
    );
    assert.doesNotMatch(result.stderr, /authentication required|docker login/);
  });
});

describe('NODE_EXTRA_CA_CERTS', () => {
  const tlsRegistries = () => `registries:\n  "${secure.host}":\n    tls: enabled\n    caFile: ${secure.caFile!}\n`;

  it('missing, a directory, not PEM, or a damaged certificate: an error naming the file before any TLS registry is read', async () => {
    const notPem = join(dir, 'not-pem.crt');
    writeFileSync(notPem, 'this is no certificate\n');
    const damaged = join(dir, 'damaged.crt');
    writeFileSync(damaged, '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n');
    const cases: Array<[string, string]> = [
      [join(dir, 'absent.crt'), 'no such file'],
      [dir, 'it is a directory'],
      [notPem, 'it holds no PEM certificate'],
      [damaged, 'certificate 1 of 1 is damaged'],
    ];
    const config = writeConfig('tls.yaml', secure.host, tlsRegistries());
    for (const [file, why] of cases) {
      const result = await cli(['plan', '-c', config], await planEnv({ NODE_EXTRA_CA_CERTS: file }), dir);
      assert.equal(result.code, 1, file);
      assert.equal(result.stderr, `regsync: cannot use NODE_EXTRA_CA_CERTS file ${file} (${why}): fix it or unset NODE_EXTRA_CA_CERTS\n`);
    }
  });

  it('a usable bundle (the registry CA) plans; a run that speaks only plain HTTP does not depend on the file', async () => {
    const config = writeConfig('tls-ok.yaml', secure.host, tlsRegistries());
    const good = await cli(['plan', '-c', config, '--json'], await planEnv({ NODE_EXTRA_CA_CERTS: secure.caFile! }), dir);
    assert.equal(good.code, 0, good.stderr);
    const plain = writeConfig('plain.yaml', basic.host, `registries:\n  "${basic.host}":\n    username: u\n    password: p\n`);
    const result = await cli(['plan', '-c', plain], await planEnv({ NODE_EXTRA_CA_CERTS: join(dir, 'absent.crt') }), dir);
    assert.doesNotMatch(result.stderr, /NODE_EXTRA_CA_CERTS/);
    assert.match(result.stderr, /authentication failed for .* as u/, 'the registry was asked');
  });
});
