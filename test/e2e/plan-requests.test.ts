/**
 * Every request `regsync plan` makes, counted by the harness's proxies in front of two REAL registries, for each
 * shape of plan (issue 17): a cold plan GETs a new tag's manifest without a HEAD before it; a filtered plan reads
 * the destination only for the tags it selects (all of them only with prune); a no-op stays at 2 HEADs per tag.
 *
 * Source: team/a and team/b, each with v1..v4 created 10, 20, 30 and 40 days before NOW (v4 the newest).
 * Destination: same/* identical (no-op), held/* holding all four tags as copied earlier.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy, ProxiedRequest } from '../harness/fault-proxy.js';
import { seed } from '../harness/images.js';
import type { ImageSpec } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { writeFile } from 'node:fs/promises';
import type { Plan } from '../../src/plan/types.js';
import { cli, NOW, planEnv } from './plan-fixture.js';

const REPOSITORIES = ['a', 'b'];
const TAGS = ['v1', 'v2', 'v3', 'v4'];
const DAY = 86_400_000;
const createdOf = (tag: string): string => new Date(Date.parse(NOW) - (50 - 10 * Number(tag.slice(1))) * DAY).toISOString();
const spec = (repository: string, tag: string): ImageSpec => ({ content: `${repository}-${tag}`, created: createdOf(tag) });
const images = (prefix: string) =>
  REPOSITORIES.flatMap((repository) => TAGS.map((tag) => ({ repository: `${prefix}/${repository}`, tag, spec: spec(repository, tag) })));

let source: RegistryInstance;
let destination: RegistryInstance;
let sourceProxy: FaultProxy;
let destinationProxy: FaultProxy;
let dir: string;

before(async () => {
  await ensureTools();
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  await Promise.all([seed(source, images('team')), seed(destination, [...images('same'), ...images('held')])]);
  [sourceProxy, destinationProxy] = await Promise.all([startFaultProxy(source), startFaultProxy(destination)]);
  dir = await makeTempDir('plan-requests');
});
after(async () => {
  await Promise.all([sourceProxy?.stop(), destinationProxy?.stop()]);
  await Promise.all([source?.stop(), destination?.stop()]);
});

/** One mirror team/* → TO/* through both proxies, with `tags:` lines and prune as given. */
async function writeConfig(name: string, to: string, tags: string[] = [], prune = false): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  const lines = [
    'version: 1',
    'mirrors:',
    '  - name: requests',
    `    source: ${sourceProxy.host}/team`,
    `    destination: ${destinationProxy.host}/${to}`,
    '    executor: registry',
    `    repositories: { names: [${REPOSITORIES.join(', ')}] }`,
    ...(tags.length > 0 ? ['    tags:', ...tags.map((line) => `      ${line}`)] : []),
    ...(prune ? ['    prune: true'] : []),
    '',
  ];
  await writeFile(file, lines.join('\n'));
  return file;
}

interface Counted {
  plan: Plan;
  source: ProxiedRequest[];
  destination: ProxiedRequest[];
}

/** Plans through the CLI with a fresh facts cache; the requests each proxy saw during the run. */
async function plan(config: string): Promise<Counted> {
  const [s, d] = [sourceProxy.requests.length, destinationProxy.requests.length];
  const result = await cli(['plan', '-c', config, '--json'], await planEnv(), dir);
  assert.equal(result.code, 0, result.stderr);
  const counted = {
    plan: JSON.parse(result.stdout) as Plan,
    source: sourceProxy.requests.slice(s),
    destination: destinationProxy.requests.slice(d),
  };
  const all = [...counted.source, ...counted.destination];
  console.log(
    `[requests] ${config.split('/').pop()}: ${all.length} (source ${counted.source.length}, destination ${counted.destination.length}): ` +
      JSON.stringify(summary(all)),
  );
  return counted;
}

/** "HEAD manifests": 8, "GET tags": 2... */
function summary(requests: ProxiedRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { method, path } of requests) {
    const kind = /\/tags\/list/.test(path) ? 'tags' : /\/manifests\//.test(path) ? 'manifests' : /\/blobs\//.test(path) ? 'blobs' : path;
    out[`${method} ${kind}`] = (out[`${method} ${kind}`] ?? 0) + 1;
  }
  return out;
}

const manifestHeads = (requests: ProxiedRequest[]): string[] =>
  requests.filter((r) => r.method === 'HEAD' && /\/manifests\//.test(r.path)).map((r) => r.path.replace(/^\/v2\//, ''));
const tagLists = (requests: ProxiedRequest[]): number => requests.filter((r) => /\/tags\/list/.test(r.path)).length;
const selectedTags = (plan: Plan): number => plan.changes.filter((change) => change.source !== null).length;

describe('requests of regsync plan, per shape, counted at the registries', () => {
  it('cold plan: one GET of each new tag (no HEAD before it), at most 2 requests per tag plus the tag lists', async () => {
    const counted = await plan(await writeConfig('cold', 'cold'));
    assert.equal(counted.plan.summary.create, REPOSITORIES.length * TAGS.length);
    assert.deepEqual(manifestHeads(counted.source), [], 'no HEAD of a manifest the plan GETs');
    assert.equal(tagLists([...counted.source, ...counted.destination]), 2 * REPOSITORIES.length);
    const total = counted.source.length + counted.destination.length;
    assert.ok(total <= 2 * selectedTags(counted.plan) + 2 * REPOSITORIES.length, `${total} requests`);
  });

  it('no-op plan: 2 HEADs per tag plus the tag lists, nothing more', async () => {
    const counted = await plan(await writeConfig('noop', 'same'));
    assert.equal(counted.plan.summary.noop, REPOSITORIES.length * TAGS.length);
    assert.deepEqual(summary([...counted.source, ...counted.destination]), {
      'GET tags': 2 * REPOSITORIES.length,
      'HEAD manifests': 2 * REPOSITORIES.length * TAGS.length,
    });
  });

  for (const [shape, tags, kept] of [
    ['latest: 2', ['latest: 2'], ['v3', 'v4']],
    ['maxAge: 25d', ['maxAge: 25d'], ['v3', 'v4']],
  ] as const) {
    it(`filtered plan (${shape}): the destination is HEADed only for the selected tags`, async () => {
      const counted = await plan(await writeConfig(`filtered-${shape.replace(/\W+/g, '')}`, 'held', [...tags]));
      assert.equal(counted.plan.summary.noop, REPOSITORIES.length * kept.length);
      assert.deepEqual(
        manifestHeads(counted.destination).sort(),
        REPOSITORIES.flatMap((repository) => kept.map((tag) => `held/${repository}/manifests/${tag}`)).sort(),
      );
    });

    it(`filtered plan with prune (${shape}): every destination tag is HEADed, the dropped ones deleted`, async () => {
      const counted = await plan(await writeConfig(`prune-${shape.replace(/\W+/g, '')}`, 'held', [...tags], true));
      assert.equal(counted.plan.summary.delete, REPOSITORIES.length * (TAGS.length - kept.length));
      assert.deepEqual(
        manifestHeads(counted.destination).sort(),
        REPOSITORIES.flatMap((repository) => TAGS.map((tag) => `held/${repository}/manifests/${tag}`)).sort(),
      );
    });
  }
});
