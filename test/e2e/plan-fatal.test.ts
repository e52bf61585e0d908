/**
 * A fatal read ends `regsync plan` with its error as the last line, against REAL registries: the destination (an
 * htpasswd registry) refuses the credentials while the source, behind the fault proxy, answers 503 and is retried.
 * Once the plan has failed the other reads are cancelled and nothing more is printed about them; the count of
 * further failures in the message is the number -v lists.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { seed } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { runCli } from '../../src/program.js';
import { planEnv } from './plan-fixture.js';

const REPOSITORIES = ['app1', 'app2', 'app3', 'app4', 'app5'];

let source: RegistryInstance;
let destination: RegistryInstance;
let proxy: FaultProxy;
let dir: string;
let config: string;

before(async () => {
  await ensureTools();
  [source, destination] = await Promise.all([startRegistry(), startRegistry({ auth: 'htpasswd' })]);
  const images = REPOSITORIES.flatMap((name, i) => [
    { repository: `team/${name}`, tag: 'v1', spec: { content: `fatal-${name}-1`, created: `2024-0${i + 1}-01T00:00:00Z` } },
    { repository: `team/${name}`, tag: 'v2', spec: { content: `fatal-${name}-2`, created: `2024-0${i + 1}-02T00:00:00Z` } },
  ]);
  await seed({ url: source.url }, images);
  proxy = await startFaultProxy(source);
  dir = await makeTempDir('plan-fatal');
  config = join(dir, 'regsync.yaml');
  await writeFile(
    config,
    `registries:
  "${destination.host}":
    username: \${DST_USER}
    password: \${DST_PASSWORD}
mirrors:
  - name: apps
    source: ${proxy.host}/team
    destination: ${destination.host}/mirror
    executor: registry
    repositories: { names: [${REPOSITORIES.join(', ')}] }
`,
  );
});
after(async () => {
  await Promise.all([proxy?.stop(), source?.stop(), destination?.stop()]);
});

/** Runs regsync in-process; `stderr()` keeps reading what is written after the command returned. */
async function runLive(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: () => string }> {
  let stderr = '';
  const io = {
    stdout: { write: () => true, isTTY: false },
    stderr: { write: (chunk: string) => ((stderr += chunk), true), isTTY: false },
    env,
    cwd: dir,
  };
  const code = await runCli(argv, io);
  return { code, stderr: () => stderr };
}

/** Longer than every backoff a retried HEAD still had ahead of it (250 + 500 + 1000 ms, jittered below). */
const LONGER_THAN_THE_RETRIES_LEFT_MS = 2500;

describe('regsync plan: a fatal error is the last thing printed', () => {
  for (const verbose of [false, true]) {
    it(`wrong destination credentials while the source is being retried${verbose ? ' (-v lists every failure)' : ''}`, async () => {
      proxy.clearRules();
      proxy.addRule({ method: 'HEAD', path: /^\/v2\/team\/app\d\/manifests\//, times: 1000, action: { type: 'respond', status: 503 } });
      const username = destination.credentials!.username;
      const env = await planEnv({ DST_USER: username, DST_PASSWORD: 'wrong-password-123' });
      const result = await runLive(['plan', '-c', config, ...(verbose ? ['-v'] : [])], env);
      assert.equal(result.code, 1);
      const stderr = result.stderr();
      // Requests already on the wire when the reads were aborted reach the proxy (in this process) a moment later.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const requests = proxy.requests.length;
      // The reads of the healthy source were cancelled: no request and no line comes after the command returned.
      await new Promise((resolve) => setTimeout(resolve, LONGER_THAN_THE_RETRIES_LEFT_MS));
      assert.deepEqual(
        proxy.requests.slice(requests).map((r) => `${r.method} ${r.path}`),
        [],
        'no request to the source after the plan failed',
      );
      assert.equal(result.stderr(), stderr, 'nothing printed after the plan failed');

      const host = destination.host.replaceAll('.', '\\.');
      const fatal = new RegExp(
        `^regsync: mirror apps: cannot list the tags of ${host}/mirror/app\\d: authentication failed for ${host} as ${username} \\(credentials from registries\\."${host}" in regsync\\.yaml\\): check the username and password(?: \\((\\d+) more reads? failed; --verbose lists them\\))?$`,
      );
      const lines = stderr.trimEnd().split('\n');
      if (!verbose) {
        assert.match(lines.at(-1)!, fatal, stderr);
        return;
      }
      // -v: the message, then every failure (the count in the message is the number of the others), then the stack.
      const at = lines.findIndex((line) => fatal.test(line));
      assert.ok(at >= 0, stderr);
      const more = Number(fatal.exec(lines[at]!)?.[1] ?? 0);
      const stack = lines.findIndex((line, i) => i > at && line.startsWith('RegsyncError: '));
      const listed = more === 0 ? [] : lines.slice(at + 1, stack);
      assert.equal(listed.length, more === 0 ? 0 : more + 1, stderr);
      for (const line of listed) assert.match(line, /^mirror apps: cannot /);
      assert.ok(
        lines.slice(stack).every((line) => line.startsWith('RegsyncError: ') || /^\s+at /.test(line)),
        stderr,
      );
      assert.ok(!lines.slice(at).some((line) => line.startsWith('retrying ')), stderr);
    });
  }

  it('an image-facts read in flight (a config blob the source holds back) is cancelled too: the plan ends without it', async () => {
    proxy.clearRules();
    // app1's config blob reads are held until the test lets them go; meanwhile app2's destination check is refused
    // (401, fatal for the whole host), which fails the plan while app1's read is in flight.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let heldReads = 0;
    proxy.addRule({
      method: 'GET',
      path: /^\/v2\/team\/app1\/blobs\//,
      times: 1000,
      action: { type: 'hook', run: () => ((heldReads += 1), held) },
    });
    const plain = await startRegistry();
    const destinationProxy = await startFaultProxy(plain);
    destinationProxy.addRule({
      method: 'HEAD',
      path: /^\/v2\/mirror\/app2\/manifests\//,
      times: 1000,
      action: { type: 'respond', status: 401 },
    });
    const dated = join(dir, 'dated.yaml');
    await writeFile(
      dated,
      `mirrors:
  - name: apps
    source: ${proxy.host}/team
    destination: ${destinationProxy.host}/mirror
    executor: registry
    repositories: { names: [app1, app2] }
    tags: { maxAge: 3650d }
`,
    );
    await seed({ url: plain.url }, [
      { repository: 'mirror/app2', tag: 'v1', spec: { content: 'fatal-app2-1', created: '2024-02-01T00:00:00Z' } },
    ]);
    let released = false;
    // A bound for the old behaviour only (the read would wait for its request's timeout); the assertion is the order.
    const guard = setTimeout(() => ((released = true), release()), 20_000);
    try {
      const result = await runLive(['plan', '-c', dated], await planEnv());
      assert.equal(result.code, 1, result.stderr());
      assert.ok(heldReads >= 1, 'a config read was in flight when the plan failed');
      assert.equal(released, false, 'the plan ended only once the held config read was let go');
    } finally {
      clearTimeout(guard);
      release();
      proxy.clearRules();
      await destinationProxy.stop();
      await plain.stop();
    }
  });
});
