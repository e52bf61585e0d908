/**
 * `regsync serve --interval 2s` against REAL registries (the built CLI as a child process): a moved source tag is
 * copied by the next cycle and the metrics say so; a broken config edit keeps the last good config; a fixed edit
 * is picked up; SIGTERM mid-copy exits 0 with nothing half-written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { pushImage, rawManifest } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { planEnv } from './plan-fixture.js';
import { scrape, startServe, value, waitFor } from './serve-fixture.js';
import type { ServeProcess } from './serve-fixture.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const config = (source: string, destination: string, extra = ''): string => `version: 1
mirrors:
  - name: apps
    source: ${source}/team
    destination: ${destination}/mirror
    executor: registry
    repositories:
      names: [app]
${extra}`;

const EXTRA_MIRROR = (source: string, destination: string): string => `  - name: extra
    source: ${source}/team
    destination: ${destination}/extra
    executor: registry
    repositories:
      names: [app]
`;

let source: RegistryInstance;
let destination: RegistryInstance;
let dir: string;
const running: ServeProcess[] = [];
const proxies: FaultProxy[] = [];

before(async () => {
  // The child runs dist/cli.js: built from this checkout, never a stale build.
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  await ensureTools();
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  await pushImage({ url: source.url }, 'team/app', 'v1', { created: '2024-05-01T00:00:00Z', content: 'app-v1-a' });
  dir = await makeTempDir('serve-e2e');
  await mkdir(dir, { recursive: true });
});

after(async () => {
  for (const serve of running) serve.child.kill('SIGKILL');
  await Promise.all([...proxies.map((proxy) => proxy.stop()), source.stop(), destination.stop()]);
});

async function metricsUntil(serve: ServeProcess, what: string, test: (samples: Awaited<ReturnType<typeof scrape>>) => boolean) {
  return waitFor(
    what,
    async () => {
      const samples = await scrape(serve);
      return test(samples) ? samples : null;
    },
    () => serve.log(),
  );
}

describe('regsync serve', () => {
  it('copies a moved tag at the next cycle, keeps the last good config over a broken edit, picks up a fixed one', async () => {
    const file = join(dir, 'regsync.yaml');
    await writeFile(file, config(source.host, destination.host));
    const serve = await startServe(['-c', file, '--interval', '2s'], await planEnv(), dir);
    running.push(serve);

    assert.equal((await fetch(`${serve.url}/healthz`)).status, 200);
    // In sync after the first copy: a later cycle plans nothing for apps.
    let samples = await metricsUntil(
      serve,
      'apps in sync',
      (s) =>
        value(s, 'regsync_changes_total', { mirror: 'apps', action: 'create', status: 'done' }) === 1 &&
        value(s, 'regsync_pending_changes', { mirror: 'apps', action: 'create' }) === 0,
    );
    assert.equal((await fetch(`${serve.url}/readyz`)).status, 200);
    assert.equal(value(samples, 'regsync_config_valid'), 1);
    assert.equal(value(samples, 'regsync_mirror_out_of_sync_seconds', { mirror: 'apps' }), 0);
    assert.ok(value(samples, 'regsync_registry_requests_total', { host: source.host, code: '200' })! > 0);
    assert.ok(value(samples, 'regsync_bytes_copied_total', { mirror: 'apps' })! > 0);
    assert.equal(
      value(samples, 'regsync_build_info', {
        version: JSON.parse(
          execFileSync('node', ['-p', 'JSON.stringify(require("./package.json").version)'], { cwd: ROOT, encoding: 'utf8' }),
        ) as string,
      }),
      1,
    );
    const before = value(samples, 'regsync_last_success_timestamp_seconds', { mirror: 'apps' })!;
    assert.ok(before > 0);

    // The source tag moves: the next cycle updates it, and a cycle after it finds nothing pending.
    const moved = await pushImage({ url: source.url }, 'team/app', 'v1', { created: '2024-05-02T00:00:00Z', content: 'app-v1-b' });
    samples = await metricsUntil(
      serve,
      'the update copied and nothing pending',
      (s) =>
        value(s, 'regsync_changes_total', { mirror: 'apps', action: 'update', status: 'done' }) === 1 &&
        value(s, 'regsync_pending_changes', { mirror: 'apps', action: 'update' }) === 0,
    );
    assert.equal((await rawManifest(destination, 'mirror/app', 'v1'))?.digest, moved.digest);
    assert.ok(value(samples, 'regsync_last_success_timestamp_seconds', { mirror: 'apps' })! > before, 'last success advanced');

    // A broken edit: the old config goes on, regsync_config_valid 0, the problem logged once however many cycles.
    await writeFile(file, 'version: 1\nmirrors: 42\n');
    samples = await metricsUntil(serve, 'config_valid 0', (s) => value(s, 'regsync_config_valid') === 0);
    const cycles = value(samples, 'regsync_cycles_total', { result: 'success' })!;
    await metricsUntil(serve, 'two more cycles', (s) => value(s, 'regsync_cycles_total', { result: 'success' })! >= cycles + 2);
    assert.equal(serve.log().match(/keeping the last good config/g)?.length, 1, serve.log());
    assert.equal((await fetch(`${serve.url}/readyz`)).status, 200, 'the last good config still runs');

    // Fixed, with one more mirror: picked up at the next cycle, logged with its digest.
    await writeFile(file, config(source.host, destination.host, EXTRA_MIRROR(source.host, destination.host)));
    samples = await metricsUntil(
      serve,
      'the extra mirror in sync',
      (s) => value(s, 'regsync_config_valid') === 1 && value(s, 'regsync_last_success_timestamp_seconds', { mirror: 'extra' }) !== null,
    );
    assert.match(serve.log(), /config changed: digest sha256:[0-9a-f]{64}/);
    assert.equal((await rawManifest(destination, 'extra/app', 'v1'))?.digest, moved.digest);

    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0, serve.log());
    assert.match(serve.log(), /stopped\n$/);
  });

  it('SIGTERM mid-copy: the copy in flight finishes or is left out whole, nothing else starts, exit 0', async () => {
    // The proxy stands before the destination: the plan never uploads, so the hook fires inside a copy.
    const proxy = await startFaultProxy(destination);
    proxies.push(proxy);
    const image = await pushImage({ url: source.url }, 'team/big', 'v1', { created: '2024-05-03T00:00:00Z', content: 'big-v1' });
    await pushImage({ url: source.url }, 'team/big', 'v2', { created: '2024-05-04T00:00:00Z', content: 'big-v2' });
    const file = join(dir, 'sigterm.yaml');
    await writeFile(file, config(source.host, proxy.host).replace('names: [app]', 'names: [big]').replace('/mirror', '/stop'));
    const started: { serve?: ServeProcess } = {};
    proxy.addRule({
      method: 'POST',
      path: /^\/v2\/stop\/big\/blobs\/uploads\//,
      action: {
        type: 'hook',
        run: async () => {
          // The upload may start before startServe has seen the listening line: wait for the process handle.
          while (started.serve === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
          started.serve.child.kill('SIGTERM');
        },
      },
    });
    const serve = await startServe(['-c', file, '--interval', '1h', '--concurrency', '1'], await planEnv(), dir);
    started.serve = serve;
    running.push(serve);
    assert.equal(await serve.exited, 0, serve.log());
    assert.match(serve.log(), /stopping: no new change starts/);
    // The one copy in flight got its grace period; the other never started. Neither is half there: a manifest is
    // written only after all its blobs.
    const v1 = await rawManifest(destination, 'stop/big', 'v1');
    const v2 = await rawManifest(destination, 'stop/big', 'v2');
    assert.equal([v1, v2].filter((m) => m !== null).length, 1, serve.log());
    if (v1 !== null) assert.equal(v1.digest, image.digest);
    assert.match(serve.log(), /applied done 1 present 0 failed 0 stale 0 skipped 1 \(interrupted\)/);
  });

  it('SIGTERM while the plan still reads: the reads are cancelled and serve exits 0 without waiting for them', async () => {
    // The proxy stands before the source and holds the plan's first manifest read until the test ends.
    const proxy = await startFaultProxy(source);
    proxies.push(proxy);
    await pushImage({ url: source.url }, 'team/slow', 'v1', { created: '2024-05-05T00:00:00Z', content: 'slow-v1' });
    const file = join(dir, 'sigterm-plan.yaml');
    await writeFile(file, config(proxy.host, destination.host).replace('names: [app]', 'names: [slow]').replace('/mirror', '/slow'));
    const started: { serve?: ServeProcess } = {};
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    proxy.addRule({
      path: /^\/v2\/team\/slow\/manifests\//,
      action: {
        type: 'hook',
        run: async () => {
          while (started.serve === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
          started.serve.child.kill('SIGTERM');
          await held;
        },
      },
    });
    try {
      const serve = await startServe(['-c', file, '--interval', '1h'], await planEnv(), dir);
      started.serve = serve;
      running.push(serve);
      assert.equal(await serve.exited, 0, serve.log());
      assert.match(serve.log(), /stopping: no new change starts/);
      assert.doesNotMatch(serve.log(), /applied done/);
      assert.equal(await rawManifest(destination, 'slow/slow', 'v1'), null);
    } finally {
      release();
    }
  });
});
