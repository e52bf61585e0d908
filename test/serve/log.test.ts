/**
 * serve's log formats on plain data: text keeps the lines serve always wrote; json writes one object per line with
 * time, level, msg and event first, the event's fields, and secrets hidden even where JSON escaping would change them.
 * A cycle (fake pipeline) logs cycle-start, each change, each read failure with host and reference, and cycle-end
 * with its counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApplyResult } from '../../src/apply/types.js';
import type { Config } from '../../src/config/types.js';
import type { Change, Plan } from '../../src/plan/types.js';
import { Cycles } from '../../src/serve/cycle.js';
import { createServeLog, formatLogLine } from '../../src/serve/log.js';
import type { LogFormat } from '../../src/serve/log.js';
import { ServeMetrics } from '../../src/serve/metrics.js';
import { Staleness } from '../../src/serve/staleness.js';
import { mirrorConfig } from '../helpers/inventory-builder.js';

const TIME = new Date('2024-07-01T12:00:00.000Z');

describe('serve log: formatLogLine', () => {
  it('text: exactly the line serve always wrote, whatever the fields', () => {
    assert.equal(
      formatLogLine('text', 'error', 'cycle 3 started', { event: 'cycle-start', cycle: 3 }, TIME),
      '2024-07-01T12:00:00.000Z regsync serve: cycle 3 started\n',
    );
  });

  it('json: one object per line, time, level, msg and event first, then the fields', () => {
    const line = formatLogLine('json', 'warn', 'a "quoted"\nmessage', { cycle: 2, event: 'cycle-end', plan: { create: 1 } }, TIME);
    assert.ok(line.endsWith('\n'));
    assert.equal(line.indexOf('\n'), line.length - 1, 'a newline in msg stays escaped: one line');
    const object = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(object), ['time', 'level', 'msg', 'event', 'cycle', 'plan']);
    assert.deepEqual(object, {
      time: '2024-07-01T12:00:00.000Z',
      level: 'warn',
      msg: 'a "quoted"\nmessage',
      event: 'cycle-end',
      cycle: 2,
      plan: { create: 1 },
    });
  });

  it('json: a secret is hidden in msg and in nested fields, also one JSON would escape', () => {
    const secret = 'pa"ss\\word';
    const line = formatLogLine(
      'json',
      'error',
      `login with ${secret} failed`,
      { event: 'config-invalid', problems: [`bad ${secret}`], nested: { error: secret } },
      TIME,
      [secret],
    );
    assert.ok(!line.includes('pa\\"ss\\\\word') && !line.includes(secret), line);
    const object = JSON.parse(line) as { msg: string; problems: string[]; nested: { error: string } };
    assert.equal(object.msg, 'login with *** failed');
    assert.deepEqual(object.problems, ['bad ***']);
    assert.equal(object.nested.error, '***');
  });

  it('detail lines are written in json only', () => {
    for (const format of ['text', 'json'] as LogFormat[]) {
      const lines: string[] = [];
      const log = createServeLog({ format, write: (line) => lines.push(line), now: () => TIME });
      log.detail('info', 'cycle 1: done: apps:x', { event: 'change' });
      log.info('stopped', { event: 'stopped' });
      assert.equal(lines.length, format === 'json' ? 2 : 1, format);
    }
  });
});

const config: Config = { version: 1, file: null, registries: {}, mirrors: [mirrorConfig({ name: 'apps' })] };

function change(tag: string, action: 'create' | 'update'): Change {
  return {
    id: `apps:dst.example/mirror/app:${tag}`,
    mirror: 'apps',
    action,
    reason: action === 'create' ? 'missing-in-destination' : 'content-differs',
    executor: 'registry',
    source: {
      ref: `src.example/team/app:${tag}`,
      endpoint: 'src.example',
      repository: 'team/app',
      tag,
      digest: 'sha256:1',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      created: null,
      configDigest: null,
      platforms: [],
    },
    target: {
      ref: `dst.example/mirror/app:${tag}`,
      endpoint: 'dst.example',
      repository: 'mirror/app',
      tag,
      digest: null,
      configDigest: null,
    },
  };
}

describe('serve log: a cycle in json', () => {
  it('cycle-start, each change, the read failure with host and reference, cycle-end with counts', async () => {
    const changes = [change('v1', 'create'), change('v2', 'update')];
    const plan: Plan = {
      regsyncVersion: 'test',
      createdAt: '2024-07-01T00:00:00.000Z',
      configDigest: 'sha256:0',
      changes,
      skipped: [],
      summary: { create: 1, update: 1, delete: 0, noop: 0, skipped: 0 },
      stats: { requests: 0, durationMs: 0 },
      failures: [{ mirror: 'apps', host: 'src.example', repository: 'team/other', error: 'GET … failed: 503' }],
    };
    const result = {
      changes: [
        { id: changes[0]!.id, action: 'create', status: 'done', error: null, durationMs: 1500, bytes: 10 },
        { id: changes[1]!.id, action: 'update', status: 'failed', error: 'PUT dst.example/mirror/app:v2: 500', durationMs: 10, bytes: 0 },
      ],
      interrupted: false,
    } as ApplyResult;
    const lines: string[] = [];
    let clock = 1_000_000;
    const staleness = new Staleness();
    const cycles = new Cycles({
      loadConfig: () => Promise.resolve({ config, secrets: [] }),
      run: () => {
        clock += 2500;
        return Promise.resolve({ plan, result });
      },
      mirrors: [],
      metrics: new ServeMetrics('test', staleness, () => clock),
      staleness,
      now: () => clock,
      log: createServeLog({ format: 'json', write: (line) => lines.push(line), now: () => TIME }),
    });
    await cycles.runCycle();
    const objects = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      objects.map((object) => [object.event, object.level]),
      [
        ['cycle-start', 'info'],
        ['config-loaded', 'info'],
        ['change', 'info'],
        ['change', 'error'],
        ['read-failure', 'error'],
        ['cycle-end', 'error'],
      ],
    );
    assert.equal(objects[0]!.cycle, 1);
    assert.match(String(objects[1]!.configDigest), /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(
      { ...objects[2], time: undefined, msg: undefined },
      {
        time: undefined,
        level: 'info',
        msg: undefined,
        event: 'change',
        cycle: 1,
        mirror: 'apps',
        action: 'create',
        status: 'done',
        target: 'dst.example/mirror/app:v1',
        source: 'src.example/team/app:v1',
        durationSeconds: 1.5,
        bytes: 10,
      },
    );
    assert.equal(objects[3]!.error, 'PUT dst.example/mirror/app:v2: 500');
    assert.equal(objects[3]!.reference, 'dst.example/mirror/app:v2');
    assert.equal(objects[3]!.status, 'failed');
    assert.equal(objects[4]!.host, 'src.example');
    assert.equal(objects[4]!.reference, 'src.example/team/other');
    assert.equal(objects[4]!.mirror, 'apps');
    const end = objects[5]!;
    assert.equal(end.result, 'failure');
    assert.equal(end.durationSeconds, 2.5);
    assert.deepEqual(end.plan, { create: 1, update: 1, delete: 0, noop: 0 });
    assert.deepEqual(end.apply, { done: 1, present: 0, failed: 1, stale: 0, skipped: 0 });
  });
});
