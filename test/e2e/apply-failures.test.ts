/**
 * Failures stay contained, against REAL registries: a source tag deleted after planning, the destination registry
 * going down mid-copy, and an immutable tag that refuses a write it already holds. Each fails (or passes) only its
 * own changes, names host, reference and cause, leaves no half-written tag, and a re-run completes the rest.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { Plan } from '../../src/plan/types.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { rawFetch } from '../harness/http.js';
import { pushImage, rawManifest } from '../harness/images.js';
import { parseApplyResult, REGISTRY_CONFIG, startApplyLab, statuses } from './apply-fixture.js';
import { cli, planEnv, sourceImages } from './plan-fixture.js';
import type { Lab } from './plan-fixture.js';

let lab: Lab | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.stop();
  await lab?.stop();
  proxy = undefined;
});

/** A lab whose config reaches the source or the destination through a fault proxy, and a plan saved through it. */
async function proxiedLab(side: 'SRC' | 'DST'): Promise<{ lab: Lab; proxy: FaultProxy; config: string; file: string; plan: Plan }> {
  const started = await startApplyLab();
  lab = started.lab;
  proxy = await startFaultProxy(side === 'SRC' ? started.lab.source : started.lab.destination);
  const config = await started.lab.writeConfig('proxied.yaml', REGISTRY_CONFIG.replaceAll(side, proxy.host));
  const file = join(started.lab.dir, 'plan.json');
  const planned = await cli(['plan', '-c', config, '--out', file], await planEnv(), started.lab.dir);
  assert.equal(planned.code, 0, planned.stderr);
  return { lab: started.lab, proxy, config, file, plan: JSON.parse(await readFile(file, 'utf8')) as Plan };
}

const doneExcept = (plan: Plan, failed: Record<string, string>, otherwise = 'done'): Record<string, string> =>
  Object.fromEntries(plan.changes.filter((c) => c.action !== 'noop').map((c) => [c.id, failed[c.id] ?? otherwise]));

describe('regsync apply: contained failures', () => {
  it('a source tag deleted after planning fails only its change; restored, a re-run completes it', async () => {
    const started = await startApplyLab();
    lab = started.lab;
    const file = join(lab.dir, 'plan.json');
    assert.equal((await cli(['plan', '-c', started.config, '--out', file], await planEnv(), lab.dir)).code, 0);
    const plan = JSON.parse(await readFile(file, 'utf8')) as Plan;
    const gone = (await rawManifest(lab.source, 'team/app1', 'v1.2.0'))!.digest;
    const deleted = await rawFetch(`${lab.source.url}/v2/team/app1/manifests/${gone}`, { method: 'DELETE' });
    assert.equal(deleted.status, 202);

    const result = await cli(['apply', '-c', started.config, file, '--json'], await planEnv(), lab.dir);
    assert.equal(result.code, 1);
    const id = `apps:${lab.destination.host}/mirror/app1:v1.2.0`;
    const applied = parseApplyResult(result.stdout);
    assert.deepEqual(statuses(applied), doneExcept(plan, { [id]: 'failed' }));
    const error = applied.changes.find((change) => change.id === id)!.error!;
    assert.ok(error.includes(`${lab.destination.host}/mirror/app1:v1.2.0`), error);
    assert.ok(error.includes(`source ${lab.source.host}/team/app1:v1.2.0 no longer exists`), error);
    assert.match(result.stderr, new RegExp(`regsync: failed: create ${lab.destination.host}/mirror/app1:v1\\.2\\.0: source`));
    assert.equal(await rawManifest(lab.destination, 'mirror/app1', 'v1.2.0'), null);

    await pushImage({ url: lab.source.url }, 'team/app1', 'v1.2.0', sourceImages['team/app1:v1.2.0']);
    const rerun = await cli(['apply', '-c', started.config, file, '--json'], await planEnv(), lab.dir);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal((await rawManifest(lab.destination, 'mirror/app1', 'v1.2.0'))?.digest, gone);
  });

  it('the destination registry stopped mid-copy fails only the changes after it; restarted, a re-run completes them', async () => {
    const { lab, proxy, config, file, plan } = await proxiedLab('SRC');
    // The tools mirror's source repository runs last with one lane at a time: stop the destination as its blob is read.
    proxy.addRule({
      method: 'GET',
      path: /^\/v2\/team\/tools\/cli\/blobs\//,
      action: { type: 'hook', run: () => lab.destination.pause() },
    });
    const result = await cli(['apply', '-c', config, file, '--json', '--concurrency', '1'], await planEnv(), lab.dir);
    assert.equal(result.code, 1);
    const applied = parseApplyResult(result.stdout);
    const cli110 = `tools:${lab.destination.host}/copies/cli:v1.1.0`;
    const old = `apps:${lab.destination.host}/mirror/app1:old`;
    assert.deepEqual(statuses(applied), doneExcept(plan, { [cli110]: 'failed', [old]: 'failed' }));
    const error = applied.changes.find((change) => change.id === cli110)!.error!;
    assert.ok(error.startsWith(`create ${lab.destination.host}/copies/cli:v1.1.0: `), error);
    assert.match(error, new RegExp(`${lab.destination.host}.*(refused|ECONNREFUSED|reach)`, 'i'));

    await lab.destination.resume();
    assert.equal(await rawManifest(lab.destination, 'copies/cli', 'v1.1.0'), null, 'no half-written tag');
    const rerun = await cli(['apply', '-c', config, file, '--json'], await planEnv(), lab.dir);
    assert.equal(rerun.code, 0, rerun.stderr);
    // What the first run wrote is already there (present); the two it could not finish are done now.
    assert.deepEqual(statuses(parseApplyResult(rerun.stdout)), doneExcept(plan, { [cli110]: 'done', [old]: 'done' }, 'present'));
    assert.equal(await rawManifest(lab.destination, 'mirror/app1', 'old'), null);
  });

  it('an immutable tag that refuses the write while holding the planned digest counts as done', async () => {
    const { lab, proxy, config, file } = await proxiedLab('DST');
    // Someone pushes the same image between the check and the write, and the registry's tags are immutable.
    await pushImage({ url: lab.destination.url }, 'mirror/app1', 'v1.2.0', sourceImages['team/app1:v1.2.0']);
    proxy.addRule({ method: 'HEAD', path: /^\/v2\/mirror\/app1\/manifests\/v1\.2\.0$/, action: { type: 'respond', status: 404 } });
    const refusal = JSON.stringify({ errors: [{ code: 'TAG_INVALID', message: 'tag v1.2.0 is immutable' }] });
    const refused = proxy.addRule({
      method: 'PUT',
      path: /^\/v2\/mirror\/app1\/manifests\/v1\.2\.0$/,
      times: 10,
      action: { type: 'respond', status: 400, headers: { 'content-type': 'application/json' }, body: refusal },
    });
    const result = await cli(['apply', '-c', config, file, '--json'], await planEnv(), lab.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(refused() >= 1, 'the tag write was refused');
    const id = `apps:${proxy.host}/mirror/app1:v1.2.0`;
    assert.equal(statuses(parseApplyResult(result.stdout))[id], 'done');
  });

  it("a destination repository's row is ✖ when changes under it failed, never ✔; the other rows are ✔", async () => {
    const { proxy, config, file, plan } = await proxiedLab('DST');
    const refusal = JSON.stringify({ errors: [{ code: 'MANIFEST_INVALID', message: 'refused by policy' }] });
    proxy.addRule({
      method: 'PUT',
      path: /^\/v2\/mirror\/app1\/manifests\/v/,
      times: 100,
      action: { type: 'respond', status: 400, headers: { 'content-type': 'application/json' }, body: refusal },
    });
    // No --json and no terminal: the simple renderer, one line per event, as CI logs show it.
    const result = await cli(['apply', '-c', config, file], await planEnv(), lab!.dir);
    assert.equal(result.code, 1);
    const copies = plan.changes.filter((c) => c.target.repository === 'mirror/app1' && (c.action === 'create' || c.action === 'update'));
    assert.ok(copies.length >= 2, 'the plan copies several tags into mirror/app1');
    const app1 = `${proxy.host}/mirror/app1`;
    const rows = result.stderr.split('\n').filter((line) => line.endsWith(app1) || line.includes(`${app1} [`));
    assert.deepEqual(rows, [`❯ ${app1}`, `✖ ${app1} [FAILED: ${copies.length} failed]`], result.stderr);
    for (const other of new Set(
      plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.target.endpoint}/${c.target.repository}`),
    )) {
      if (other !== app1) assert.ok(result.stderr.includes(`\n✔ ${other}\n`), `${other} is ✔:\n${result.stderr}`);
    }
  });

  it('a request that fails once is retried: one retrying line on stderr, none with -q; the change is done', async () => {
    const { lab, proxy, config } = await proxiedLab('DST');
    // Blob HEADs happen only while copying, never while planning: the line comes from apply's own pool.
    const failOnce = () =>
      proxy.addRule({ method: 'HEAD', path: /^\/v2\/[^?]+\/blobs\/sha256:/, action: { type: 'respond', status: 503 } });
    const quietHits = failOnce();
    const quiet = await cli(['apply', '-q', '-c', config, '--yes', '--mirror', 'tools'], await planEnv(), lab.dir);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quietHits(), 1, 'the quiet run met the failure');
    assert.doesNotMatch(quiet.stderr, /retrying/);

    const hits = failOnce();
    const result = await cli(['apply', '-c', config, '--yes', '--mirror', 'apps'], await planEnv(), lab.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(hits(), 1);
    const retries = result.stderr.split('\n').filter((line) => line.startsWith('retrying '));
    assert.equal(retries.length, 1, result.stderr);
    const host = proxy.host.replaceAll('.', '\\.');
    assert.match(
      retries[0]!,
      new RegExp(`^retrying HEAD ${host}/v2/mirror/app\\d/blobs/sha256:[0-9a-f]{64} \\(attempt 2 of \\d+\\): HTTP 503$`),
    );
  });
});
