/**
 * Pull budgets end to end (issue 9 item 5): a proxy in front of a real registry adds Docker Hub's
 * `RateLimit-Limit: 100;w=21600` / `RateLimit-Remaining: N;w=21600` to manifest answers and, once the budget is
 * spent, answers manifest GETs with a 429 and a plain-text body. The plan says what apply needs against what
 * remains; apply stops starting changes at that host and a later run completes them. Counts only, never times.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Plan } from '../../src/plan/types.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { pushImage, rawManifest } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { parseApplyResult } from './apply-fixture.js';
import { cli, planEnv } from './plan-fixture.js';

const HUB_429 =
  '\n  You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limits  \n';
const MANIFESTS = /^\/v2\/.+\/manifests\//;
const limitHeaders = (remaining: number) => ({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': `${remaining};w=21600` });

/** Manifest GETs of the hub mirror: app v1..v3 one each, multi:v1 the index and its 3 children, zlast:v1 one. */
const HUB_PULLS = 3 + (1 + 3) + 1;

let hub: RegistryInstance;
let other: RegistryInstance;
let destination: RegistryInstance;
let proxy: FaultProxy;
let dir: string;

before(async () => {
  await ensureTools();
  [hub, other, destination] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
  const created = '2024-05-01T00:00:00Z';
  for (const tag of ['v1', 'v2', 'v3']) await pushImage(hub, 'library/app', tag, { created, content: `app-${tag}` });
  await pushImage(hub, 'library/multi', 'v1', { created, content: 'multi', platforms: ['linux/amd64', 'linux/arm64'], attestation: true });
  await pushImage(hub, 'library/zlast', 'v1', { created, content: 'zlast' });
  for (const tag of ['v1', 'v2']) await pushImage(other, 'team/tool', tag, { created, content: `tool-${tag}` });
  proxy = await startFaultProxy(hub);
  dir = await makeTempDir('rate-limit-budget');
});
after(async () => {
  await proxy?.stop();
  await Promise.all([hub?.stop(), other?.stop(), destination?.stop()]);
});

/** A config mirroring the rate-limited host (through the proxy) and another host, into `prefix` at the destination. */
async function writeConfig(prefix: string): Promise<string> {
  const file = join(dir, `${prefix}.yaml`);
  const text = `version: 1
mirrors:
  - name: hub
    source: ${proxy.host}/library
    destination: ${destination.host}/${prefix}
    executor: registry
    repositories:
      names: [app, multi, zlast]
  - name: local
    source: ${other.host}/team
    destination: ${destination.host}/${prefix}-local
    executor: registry
    repositories:
      names: [tool]
`;
  await writeFile(file, text);
  return file;
}

/** Every manifest answer says the same budget (a plan run reads it). */
function steadyBudget(remaining: number): void {
  proxy.clearRules();
  proxy.addRule({ path: MANIFESTS, times: 1e6, action: { type: 'add-headers', headers: limitHeaders(remaining) } });
}

/**
 * A budget of `budget` manifest GETs, counting down in RateLimit-Remaining; once spent, GETs get Docker Hub's 429
 * (text body, Remaining 0, Retry-After) without reaching the registry. HEADs are free and tell what remains.
 */
function spendingBudget(budget: number): { spent: () => number } {
  proxy.clearRules();
  let spent = 0;
  const spend = (): Record<string, string> => limitHeaders(budget - ++spent);
  proxy.addRule({ method: 'GET', path: MANIFESTS, times: budget, action: { type: 'add-headers', headers: spend } });
  proxy.addRule({
    method: 'GET',
    path: MANIFESTS,
    times: 1e6,
    action: {
      type: 'respond',
      status: 429,
      headers: { 'content-type': 'text/plain', 'retry-after': '3600', ...limitHeaders(0) },
      body: HUB_429,
    },
  });
  proxy.addRule({
    method: 'HEAD',
    path: MANIFESTS,
    times: 1e6,
    action: { type: 'add-headers', headers: () => limitHeaders(budget - spent) },
  });
  return { spent: () => spent };
}

const manifestGets = (from: number): number =>
  proxy.requests.slice(from).filter((r) => r.method === 'GET' && MANIFESTS.test(r.path)).length;
const refused = (from: number): number => proxy.requests.slice(from).filter((r) => r.status === 429).length;

async function savedPlan(config: string, name: string): Promise<{ file: string; plan: Plan }> {
  const file = join(dir, `${name}.json`);
  const result = await cli(['plan', '-c', config, '--json', '-o', file], await planEnv(), dir);
  assert.equal(result.code, 0, result.stderr);
  return { file, plan: JSON.parse(result.stdout) as Plan };
}

describe('the plan says how many manifest pulls apply needs against what remains', () => {
  it('stats.rateLimits per host that sent the headers, and the footer line', async () => {
    steadyBudget(76);
    const config = await writeConfig('footer');
    const { plan } = await savedPlan(config, 'footer');
    assert.deepEqual(plan.stats.rateLimits, { [proxy.host]: { limit: 100, remaining: 76, windowSeconds: 21600, needed: HUB_PULLS } });
    const human = await cli(['plan', '-c', config], await planEnv(), dir);
    assert.equal(human.code, 0, human.stderr);
    assert.ok(
      human.stdout.includes(`\n${proxy.host}: apply needs about ${HUB_PULLS} manifest pulls; 76 of 100 remain in this 6h window\n`),
      human.stdout,
    );
    assert.ok(!human.stdout.includes('! '), 'it fits: no warning');
  });

  it('warns when the pulls will not fit (footer; stderr with --json)', async () => {
    steadyBudget(4);
    const config = await writeConfig('short');
    const human = await cli(['plan', '-c', config], await planEnv(), dir);
    assert.equal(human.code, 0, human.stderr);
    assert.ok(human.stdout.includes(`\n! ${proxy.host}: apply needs about ${HUB_PULLS} manifest pulls but only 4 remain: `), human.stdout);
    const json = await cli(['plan', '-c', config, '--json'], await planEnv(), dir);
    assert.match(
      json.stderr,
      new RegExp(`regsync: warning: ${proxy.host}: apply needs about ${HUB_PULLS} manifest pulls but only 4 remain`),
    );
    assert.equal((JSON.parse(json.stdout) as Plan).stats.rateLimits?.[proxy.host]?.remaining, 4);
    // apply --json -q prints no plan, but a warning still goes to stderr.
    const applied = await cli(['apply', '-c', config, '--json', '-q', '--yes'], await planEnv(), dir);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(
      applied.stderr,
      new RegExp(`regsync: warning: ${proxy.host}: apply needs about ${HUB_PULLS} manifest pulls but only 4 remain`),
    );
  });

  it('apply makes exactly the manifest GETs the plan said, per planned create', async () => {
    steadyBudget(76);
    const config = await writeConfig('exact');
    const { file, plan } = await savedPlan(config, 'exact');
    const from = proxy.requests.length;
    const result = await cli(['apply', file, '-c', config, '--json'], await planEnv(), dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(parseApplyResult(result.stdout).summary.created, 7);
    assert.equal(manifestGets(from), plan.stats.rateLimits?.[proxy.host]?.needed);
    const creates = plan.changes.filter((change) => change.action === 'create' && change.mirror === 'hub').length;
    console.log(`[cost] ${manifestGets(from)} manifest GETs at the source for ${creates} planned creates (one a 3-child index)`);
  });
});

describe('apply stops starting changes on a host whose budget is spent', () => {
  const hubIds = (prefix: string) =>
    ['app:v1', 'app:v2', 'app:v3', 'multi:v1', 'zlast:v1'].map((t) => `hub:${destination.host}/${prefix}/${t}`);

  it('at RateLimit-Remaining 0: later changes there fail with the message, other hosts go on; a re-run completes them', async () => {
    steadyBudget(100);
    const config = await writeConfig('zero');
    const { file } = await savedPlan(config, 'zero');
    const budget = spendingBudget(3);
    const from = proxy.requests.length;
    const result = await cli(['apply', file, '-c', config, '--json', '--concurrency', '1'], await planEnv(), dir);
    assert.equal(result.code, 1, result.stderr);
    const applied = parseApplyResult(result.stdout);
    const byId = new Map(applied.changes.map((change) => [change.id, change]));
    const [v1, v2, v3, multi, zlast] = hubIds('zero');
    assert.deepEqual(
      [v1, v2, v3].map((id) => byId.get(id!)?.status),
      ['done', 'done', 'done'],
    );
    for (const id of [multi, zlast]) {
      const change = byId.get(id!);
      assert.equal(change?.status, 'failed');
      assert.match(
        change?.error ?? '',
        new RegExp(`^create \\S+: rate limit reached at ${proxy.host.replace('.', '\\.')}; retry after its 6h window resets`),
      );
    }
    assert.equal(applied.summary.created, 5, 'the other host completed both of its changes');
    assert.equal(budget.spent(), 3);
    assert.equal(manifestGets(from), 3, 'no pull was sent once none remained');
    assert.equal(refused(from), 0);
    assert.match(result.stderr, /regsync: failed: create .*multi:v1: rate limit reached at /);

    spendingBudget(100);
    const rerun = await cli(['apply', '-c', config, '--yes', '--json'], await planEnv(), dir);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(parseApplyResult(rerun.stdout).summary, {
      created: 2,
      updated: 0,
      deleted: 0,
      failed: 0,
      present: 0,
      stale: 0,
      skipped: 0,
    });
    assert.ok((await rawManifest(destination, 'zero/multi', 'v1')) !== null);
    assert.ok((await rawManifest(destination, 'zero/zlast', 'v1')) !== null);
  });

  it('a 429 with a text body part way: that change fails with the text, later ones with the message; a re-run completes them', async () => {
    steadyBudget(100);
    const config = await writeConfig('refused');
    const { file } = await savedPlan(config, 'refused');
    // app v1..v3 and the index of multi:v1 take 4; one child more, and the next child GET is refused.
    spendingBudget(5);
    const from = proxy.requests.length;
    const result = await cli(['apply', file, '-c', config, '--json', '--concurrency', '1'], await planEnv(), dir);
    assert.equal(result.code, 1, result.stderr);
    const byId = new Map(parseApplyResult(result.stdout).changes.map((change) => [change.id, change]));
    const [, , , multi, zlast] = hubIds('refused');
    const failedMulti = byId.get(multi!);
    assert.equal(failedMulti?.status, 'failed');
    assert.ok(failedMulti?.error?.includes(`rate limit reached at ${proxy.host}; retry after `), failedMulti?.error ?? '');
    assert.ok(failedMulti?.error?.includes(`HTTP 429 (${HUB_429.trim()})`), failedMulti?.error ?? '');
    const gated = byId.get(zlast!);
    assert.equal(gated?.status, 'failed');
    assert.match(
      gated?.error ?? '',
      /: rate limit reached at \S+; retry after \d{4}-\d\d-\d\dT\d\d:\d\dZ \(in /,
      'from the 429 Retry-After',
    );
    assert.equal(refused(from), 1, 'one refused pull, then no more asked');
    assert.equal(manifestGets(from), 6);
    assert.equal([...byId.values()].filter((change) => change.status === 'done').length, 5);

    spendingBudget(100);
    const rerun = await cli(['apply', '-c', config, '--yes', '--json'], await planEnv(), dir);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(parseApplyResult(rerun.stdout).summary.created, 2);
    assert.ok((await rawManifest(destination, 'refused/multi', 'v1')) !== null);
  });
});
