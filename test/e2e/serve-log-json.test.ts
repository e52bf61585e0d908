/**
 * `regsync serve --log-format json` against REAL registries (the built CLI as a child process): every line on stderr
 * is one JSON object with time, level, msg and event; the cycles say cycle-start, each change and cycle-end with the
 * plan's and the apply's counts. Another format is a usage error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushImage } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { planEnv } from './plan-fixture.js';
import { startServe, waitFor } from './serve-fixture.js';
import type { ServeProcess } from './serve-fixture.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let source: RegistryInstance;
let destination: RegistryInstance;
let dir: string;
const running: ServeProcess[] = [];

before(async () => {
  // The child runs dist/cli.js: built from this checkout, never a stale build.
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  await ensureTools();
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  await pushImage({ url: source.url }, 'team/app', 'v1', { created: '2024-05-01T00:00:00Z', content: 'log-json-v1' });
  dir = await makeTempDir('serve-log-json');
});

after(async () => {
  for (const serve of running) serve.child.kill('SIGKILL');
  await Promise.all([source.stop(), destination.stop()]);
});

type LogObject = Record<string, unknown> & { time: string; level: string; msg: string; event: string };

/** Every line of the log as JSON; fails naming the line that is not. */
function parseLog(log: string): LogObject[] {
  const lines = log.split('\n');
  assert.equal(lines.pop(), '', 'the log ends with a newline');
  return lines.map((line) => {
    let object: unknown;
    assert.doesNotThrow(() => (object = JSON.parse(line)), `not JSON: ${line}`);
    return object as LogObject;
  });
}

describe('regsync serve --log-format json', () => {
  it('writes one JSON object per line: cycle start, the change, cycle end with counts', async () => {
    const file = join(dir, 'regsync.yaml');
    await writeFile(
      file,
      `version: 1
mirrors:
  - name: apps
    source: ${source.host}/team
    destination: ${destination.host}/mirror
    executor: registry
    repositories:
      names: [app]
`,
    );
    const serve = await startServe(['-c', file, '--interval', '1s', '--log-format', 'json'], await planEnv(), dir);
    running.push(serve);
    // Two cycles: the first copies v1, the second finds nothing to do.
    await waitFor(
      'two cycle-end lines',
      () => (serve.log().match(/"event":"cycle-end"/g)?.length ?? 0) >= 2,
      () => serve.log(),
    );
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0, serve.log());

    const objects = parseLog(serve.log());
    for (const object of objects) {
      assert.ok(!Number.isNaN(Date.parse(object.time)) && object.time.endsWith('Z'), object.time);
      assert.ok(['info', 'warn', 'error'].includes(object.level), object.level);
      assert.equal(typeof object.msg, 'string');
      assert.equal(typeof object.event, 'string');
    }
    const events = objects.map((object) => object.event);
    assert.equal(events[0], 'listening');
    assert.match(String(objects[0]!.url), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(events.at(-1), 'stopped');
    assert.ok(objects.some((o) => o.event === 'config-loaded' && /^sha256:[0-9a-f]{64}$/.test(String(o.configDigest))));

    const ends = objects.filter((object) => object.event === 'cycle-end');
    assert.deepEqual(
      ends.slice(0, 2).map((end) => ({ cycle: end.cycle, result: end.result, plan: end.plan, apply: end.apply })),
      [
        {
          cycle: 1,
          result: 'success',
          plan: { create: 1, update: 0, delete: 0, noop: 0 },
          apply: { done: 1, present: 0, failed: 0, stale: 0, skipped: 0 },
        },
        { cycle: 2, result: 'success', plan: { create: 0, update: 0, delete: 0, noop: 1 }, apply: null },
      ],
    );
    assert.equal(typeof ends[0]!.durationSeconds, 'number');
    assert.deepEqual(
      objects
        .filter((object) => object.event === 'cycle-start')
        .slice(0, 2)
        .map((start) => start.cycle),
      [1, 2],
    );
    const changes = objects.filter((object) => object.event === 'change');
    assert.equal(changes.length, 1, serve.log());
    assert.equal(changes[0]!.mirror, 'apps');
    assert.equal(changes[0]!.action, 'create');
    assert.equal(changes[0]!.status, 'done');
    assert.equal(changes[0]!.target, `${destination.host}/mirror/app:v1`);
    assert.equal(changes[0]!.cycle, 1);
  });

  it('another format is a usage error', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'serve', '--interval', '1h', '--log-format', 'xml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /--log-format.*'xml'.*expected text or json/s);
  });
});
