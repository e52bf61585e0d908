import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { chooseEngine } from '../../src/apply/executors/engine-choice.js';
import { makeTempDir, removeTempDir } from '../harness/temp.js';

/** A DOCKER_CONFIG dir of its own (never the user's ~/.docker), with config.json holding `config`. */
async function dockerConfig(config: object | null): Promise<string> {
  const dir = await makeTempDir('engine-choice');
  dirs.push(dir);
  mkdirSync(dir, { recursive: true });
  if (config !== null) writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await removeTempDir(dir);
});

describe('chooseEngine: the Engine API where it can serve, the docker CLI otherwise', () => {
  it('DOCKER_HOST unset: the API at the default socket', async () => {
    const env = { DOCKER_CONFIG: await dockerConfig({}) };
    assert.deepEqual(chooseEngine('docker', env), {
      kind: 'api',
      endpoint: { socketPath: '/var/run/docker.sock', display: 'unix:///var/run/docker.sock' },
    });
  });

  it('DOCKER_HOST unix://PATH: the API at that socket', async () => {
    const env = { DOCKER_HOST: 'unix:///tmp/x/docker.sock', DOCKER_CONFIG: await dockerConfig({}) };
    assert.deepEqual(chooseEngine('docker', env), {
      kind: 'api',
      endpoint: { socketPath: '/tmp/x/docker.sock', display: 'unix:///tmp/x/docker.sock' },
    });
  });

  it('DOCKER_HOST tcp://HOST:PORT: the API over TCP (port 2375 when none is given)', () => {
    assert.deepEqual(chooseEngine('docker', { DOCKER_HOST: 'tcp://10.0.0.5:2376' }), {
      kind: 'api',
      endpoint: { host: '10.0.0.5', port: 2376, display: 'tcp://10.0.0.5:2376' },
    });
    assert.deepEqual(chooseEngine('docker', { DOCKER_HOST: 'tcp://[::1]' }), {
      kind: 'api',
      endpoint: { host: '::1', port: 2375, display: 'tcp://[::1]' },
    });
  });

  it('DOCKER_HOST ssh://… and an empty unix:// : the CLI, naming DOCKER_HOST', () => {
    assert.deepEqual(chooseEngine('docker', { DOCKER_HOST: 'ssh://me@build-host' }), {
      kind: 'cli',
      reason: 'DOCKER_HOST=ssh://me@build-host',
    });
    assert.deepEqual(chooseEngine('docker', { DOCKER_HOST: 'unix://' }), { kind: 'cli', reason: 'DOCKER_HOST=unix://' });
  });

  it('--docker PATH (another CLI): the CLI, even with a unix DOCKER_HOST', () => {
    assert.deepEqual(chooseEngine('/usr/bin/podman', { DOCKER_HOST: 'unix:///run/podman.sock' }), {
      kind: 'cli',
      reason: '--docker /usr/bin/podman',
    });
  });

  it('DOCKER=…: the CLI; an empty DOCKER is as if unset', async () => {
    assert.deepEqual(chooseEngine('docker', { DOCKER: '/opt/docker', DOCKER_HOST: 'unix:///s' }), {
      kind: 'cli',
      reason: 'DOCKER=/opt/docker',
    });
    assert.equal(chooseEngine('docker', { DOCKER: '', DOCKER_HOST: 'unix:///s', DOCKER_CONFIG: await dockerConfig({}) }).kind, 'api');
  });

  it('DOCKER_CONTEXT names a context: the CLI; `default` is the API', () => {
    assert.deepEqual(chooseEngine('docker', { DOCKER_CONTEXT: 'remote' }), { kind: 'cli', reason: 'DOCKER_CONTEXT=remote' });
    assert.equal(chooseEngine('docker', { DOCKER_CONTEXT: 'default', DOCKER_HOST: 'unix:///s' }).kind, 'api');
  });

  it('currentContext in config.json (docker context use): the CLI, unless DOCKER_HOST is set', async () => {
    const dir = await dockerConfig({ currentContext: 'colima' });
    assert.deepEqual(chooseEngine('docker', { DOCKER_CONFIG: dir }), { kind: 'cli', reason: 'docker context colima' });
    // DOCKER_HOST wins over the chosen context, as it does for the docker CLI.
    assert.equal(chooseEngine('docker', { DOCKER_CONFIG: dir, DOCKER_HOST: 'unix:///s' }).kind, 'api');
    assert.equal(chooseEngine('docker', { DOCKER_CONFIG: await dockerConfig({ currentContext: 'default' }) }).kind, 'api');
    // No config.json, or one that is not JSON: nothing chosen, the API.
    assert.equal(chooseEngine('docker', { DOCKER_CONFIG: await dockerConfig(null) }).kind, 'api');
    const broken = await dockerConfig(null);
    writeFileSync(join(broken, 'config.json'), '{not json');
    assert.equal(chooseEngine('docker', { DOCKER_CONFIG: broken }).kind, 'api');
  });

  it('DOCKER_TLS_VERIFY with a tcp:// host: the CLI (TLS to the engine); with a socket it changes nothing', () => {
    assert.deepEqual(chooseEngine('docker', { DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1' }), {
      kind: 'cli',
      reason: 'DOCKER_TLS_VERIFY: TLS to the engine',
    });
    assert.equal(chooseEngine('docker', { DOCKER_HOST: 'unix:///s', DOCKER_TLS_VERIFY: '1' }).kind, 'api');
  });

  it('the mode: cli always the CLI; api the API wherever DOCKER_HOST can be reached by it', () => {
    assert.deepEqual(chooseEngine('docker', { DOCKER_HOST: 'unix:///s' }, 'cli'), { kind: 'cli', reason: 'asked for' });
    assert.equal(chooseEngine('/usr/bin/podman', { DOCKER_HOST: 'unix:///s', DOCKER_CONTEXT: 'x' }, 'api').kind, 'api');
    assert.equal(chooseEngine('docker', { DOCKER_HOST: 'ssh://h' }, 'api').kind, 'cli');
  });
});
