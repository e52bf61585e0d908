import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFaultProxy } from '../harness/fault-proxy.js';
import type { FaultProxy } from '../harness/fault-proxy.js';
import { pushImage, rawManifest } from '../harness/images.js';
import type { PushedImage } from '../harness/images.js';
import { ARTIFACT_TYPES, buildArtifact, pushArtifact, pushFallbackTag } from '../harness/referrer-artifacts.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { cli, planEnv } from './plan-fixture.js';

// Issue 16 against two REAL Distribution 2.8 registries (the source behind a proxy that counts reads): cosign's legacy
// tags (`sha256-<hex>.sig`, here an image manifest pushed under that tag, as cosign before OCI 1.1 does) travel with
// their image though the tag filter drops their names, are read only then, and not with `legacyCosignTags: false`; a
// pruning mirror keeps the fallback tag (`sha256-<hex>`) and the `.sig` tag of a kept image and deletes those of an
// image it deletes, and keeps the fallback tag of a referrer it copies.

const CREATED = '2024-03-01T12:00:00Z';

interface PlanJson {
  changes: Array<{ action: string; reason: string; target: { tag: string } }>;
  skipped: Array<{ ref: string; filter: string }>;
}

/** `sha256-<hex>` of a digest, with a suffix for cosign's legacy tags. */
const tagOf = (digest: string, suffix = ''): string => `${digest.replace(':', '-')}${suffix}`;

async function tagsOf(registry: RegistryInstance, repository: string): Promise<string[]> {
  const response = await fetch(`${registry.url}/v2/${repository}/tags/list`);
  const body = (await response.json()) as { tags: string[] | null };
  return [...(body.tags ?? [])].sort();
}

const lines = (plan: PlanJson): string[] => plan.changes.map((c) => `${c.action} ${c.reason} ${c.target.tag}`).sort();

describe('cosign legacy tags and prune (Distribution 2.8)', () => {
  let source: RegistryInstance;
  /** In front of the source: counts what a plan reads there. */
  let proxy: FaultProxy;
  let destination: RegistryInstance;
  let v1: PushedImage;
  let dev: PushedImage;
  let dir: string;

  const config = async (name: string, mirror: string, repository = 'app'): Promise<string> => {
    const file = path.join(dir, name);
    await writeFile(
      file,
      `mirrors:\n  - name: m\n    source: "${proxy.host}/team"\n    executor: registry\n    repositories: {names: [${repository}]}\n${mirror}`,
    );
    return file;
  };

  /** The source requests since `from` that read a legacy tag. */
  const legacyReads = (from: number): string[] =>
    proxy.requests
      .slice(from)
      .filter((request) => /\.(sig|att|sbom)$/.test(request.path))
      .map((request) => `${request.method} ${request.path}`);

  before(async () => {
    await ensureTools();
    [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
    v1 = await pushImage(source, 'team/app', 'v1', { created: CREATED, content: 'v1' });
    await pushImage(source, 'team/app', 'v2', { created: CREATED, content: 'v2' });
    dev = await pushImage(source, 'team/app', 'dev', { created: CREATED, content: 'dev' });
    await pushImage(source, 'team/app', tagOf(v1.digest, '.sig'), { created: CREATED, content: 'signature-of-v1' });
    await pushImage(source, 'team/app', tagOf(dev.digest, '.sig'), { created: CREATED, content: 'signature-of-dev' });
    proxy = await startFaultProxy(source);
    dir = await makeTempDir('referrers-legacy');
  });
  after(async () => {
    await proxy?.stop();
    await Promise.all([source?.stop(), destination?.stop()]);
  });

  test("a .sig tag travels with its image though include: ['^v'] drops its name; not that of an unselected image", async () => {
    const file = await config(
      'legacy.yaml',
      `    destination: "${destination.host}/signed"\n    referrers: true\n    tags: {include: ['^v']}\n`,
    );
    const env = await planEnv();
    const before = proxy.requests.length;
    const planned = await cli(['plan', '-c', file, '--json'], env, dir);
    assert.equal(planned.code, 0, planned.stderr);
    // Found in the tag list: the one .sig that travels is read once (a GET: the destination lacks it), dev's not at all.
    assert.deepEqual(legacyReads(before), [`GET /v2/team/app/manifests/${tagOf(v1.digest, '.sig')}`]);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    assert.deepEqual(lines(plan), [
      `create missing-in-destination ${tagOf(v1.digest, '.sig')}`,
      'create missing-in-destination v1',
      'create missing-in-destination v2',
    ]);
    assert.deepEqual(plan.skipped.map((s) => `${s.filter} ${s.ref.split(':').at(-1)}`).sort(), [
      'include dev',
      `include ${tagOf(dev.digest, '.sig')}`,
    ]);

    // The human plan says what the tag is: a cosign signature of v1.
    const human = await cli(['plan', '-c', file], env, dir);
    assert.match(human.stdout, new RegExp(`signed/app:${tagOf(v1.digest, '.sig')} .*cosign signature of ${v1.digest.slice(0, 15)}`));

    const applied = await cli(['apply', '-c', file, '--auto-approve'], env, dir);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    assert.deepEqual(await tagsOf(destination, 'signed/app'), [tagOf(v1.digest, '.sig'), 'v1', 'v2'].sort());
    const [sent, copied] = await Promise.all([
      rawManifest(source, 'team/app', tagOf(v1.digest, '.sig')),
      rawManifest(destination, 'signed/app', tagOf(v1.digest, '.sig')),
    ]);
    assert.ok(copied !== null && sent !== null && copied.bytes.equals(sent.bytes), 'copied as a tag, byte for byte');

    const again = await cli(['plan', '-c', file], env, dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /No changes\./);
  });

  test('a .sig tag the name filters keep is still no image: read only when its image is selected', async () => {
    const file = await config(
      'exclude.yaml',
      `    destination: "${destination.host}/excluded"\n    referrers: true\n    tags: {exclude: ['^dev$']}\n`,
    );
    const before = proxy.requests.length;
    const planned = await cli(['plan', '-c', file, '--json'], await planEnv(), dir);
    assert.equal(planned.code, 0, planned.stderr);
    assert.deepEqual(legacyReads(before), [`GET /v2/team/app/manifests/${tagOf(v1.digest, '.sig')}`]);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    assert.deepEqual(lines(plan), [
      `create missing-in-destination ${tagOf(v1.digest, '.sig')}`,
      'create missing-in-destination v1',
      'create missing-in-destination v2',
    ]);
    assert.deepEqual(plan.skipped.map((s) => `${s.filter} ${s.ref.split(':').at(-1)}`).sort(), [
      'exclude dev',
      `subject ${tagOf(dev.digest, '.sig')}`,
    ]);
  });

  test('with legacyCosignTags: false the .sig tag does not travel (the tag filter decides, as for any tag)', async () => {
    const file = await config(
      'no-legacy.yaml',
      `    destination: "${destination.host}/unsigned"\n    referrers: {legacyCosignTags: false}\n    tags: {include: ['^v']}\n`,
    );
    const before = proxy.requests.length;
    const planned = await cli(['plan', '-c', file, '--json'], await planEnv(), dir);
    assert.equal(planned.code, 0, planned.stderr);
    assert.deepEqual(legacyReads(before), [], 'no legacy tag is read');
    const plan = JSON.parse(planned.stdout) as PlanJson;
    assert.deepEqual(lines(plan), ['create missing-in-destination v1', 'create missing-in-destination v2']);
    assert.ok(plan.skipped.some((s) => s.filter === 'include' && s.ref.endsWith(`:${tagOf(v1.digest, '.sig')}`)));
  });

  test('prune keeps the fallback tag and the .sig tag of a kept image, and deletes those of a deleted image', async () => {
    // The destination, as another tool left it: v1 (kept: the source has it) and old (deleted: the source has not),
    // each with an OCI 1.1 fallback index and a cosign .sig tag.
    const at = 'pruned/app';
    await pushImage(destination, at, 'v1', { created: CREATED, content: 'v1' });
    const old = await pushImage(destination, at, 'old', { created: CREATED, content: 'old' });
    for (const [subject, name] of [
      [v1, 'v1'],
      [old, 'old'],
    ] as const) {
      const artifact = buildArtifact(
        { mediaType: subject.mediaType, digest: subject.digest, size: 0 },
        ARTIFACT_TYPES.sbom,
        `sbom-${name}`,
      );
      await pushArtifact(destination, at, artifact);
      await pushFallbackTag(destination, at, subject.digest, [artifact]);
      await pushImage(destination, at, tagOf(subject.digest, '.sig'), { created: CREATED, content: `dest-signature-of-${name}` });
    }
    // A pruning mirror without referrers: a fallback index another tool maintains must survive its subject all the same.
    const file = await config(
      'prune.yaml',
      `    destination: "${destination.host}/pruned"\n    prune: true\n    tags: {include: ['^v1$']}\n`,
    );
    const env = await planEnv();
    const planned = await cli(['plan', '-c', file, '--json'], env, dir);
    assert.equal(planned.code, 0, planned.stderr);
    assert.deepEqual(
      lines(JSON.parse(planned.stdout) as PlanJson),
      [
        `delete not-in-selection ${tagOf(old.digest)}`,
        `delete not-in-selection ${tagOf(old.digest, '.sig')}`,
        'delete not-in-selection old',
        `noop referrer-of-kept-tag ${tagOf(v1.digest)}`,
        `noop referrer-of-kept-tag ${tagOf(v1.digest, '.sig')}`,
        'noop up-to-date v1',
      ].sort(),
    );
    const human = await cli(['plan', '-c', file, '--show-unchanged'], env, dir);
    assert.match(human.stdout, /kept: refers to a kept tag/);

    const applied = await cli(['apply', '-c', file, '--auto-approve'], env, dir);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    assert.deepEqual(await tagsOf(destination, at), [tagOf(v1.digest), tagOf(v1.digest, '.sig'), 'v1'].sort());
  });

  test('prune keeps the fallback tag of a referrer the plan copies (a signature listing its attestation)', async () => {
    // At the source (no referrers API): v1, its signature, and an attestation of the signature, each listed by a fallback tag.
    const image = await pushImage(source, 'team/signed', 'v1', { created: CREATED, content: 'signed-v1' });
    const signature = buildArtifact({ mediaType: image.mediaType, digest: image.digest, size: 0 }, ARTIFACT_TYPES.signature, 'sig');
    const attestation = buildArtifact(signature, ARTIFACT_TYPES.attestation, 'att-of-sig');
    for (const artifact of [signature, attestation]) await pushArtifact(source, 'team/signed', artifact);
    await pushFallbackTag(source, 'team/signed', image.digest, [signature]);
    await pushFallbackTag(source, 'team/signed', signature.digest, [attestation]);
    // The destination as an earlier apply left it, but for v1's tag, gone since: the signature's fallback tag is there.
    const at = 'refs/signed';
    for (const artifact of [signature, attestation]) await pushArtifact(destination, at, artifact);
    await pushFallbackTag(destination, at, signature.digest, [attestation]);
    const file = await config(
      'prune-referrers.yaml',
      `    destination: "${destination.host}/refs"\n    referrers: true\n    prune: true\n    tags: {include: ['^v']}\n`,
      'signed',
    );
    const env = await planEnv();
    const planned = await cli(['plan', '-c', file, '--json'], env, dir);
    assert.equal(planned.code, 0, planned.stderr);
    // The signature is a referrer change to create (by digest, tag null); its attestation, which the destination's
    // fallback tag of the signature already lists, a noop.
    assert.deepEqual(lines(JSON.parse(planned.stdout) as PlanJson), [
      'create missing-in-destination null',
      'create missing-in-destination v1',
      `noop referrer-of-kept-tag ${tagOf(signature.digest)}`,
      'noop up-to-date null',
    ]);
    const applied = await cli(['apply', '-c', file, '--auto-approve'], env, dir);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    assert.match(applied.stdout + applied.stderr, /referrers of [^ ]+refs\/signed:v1: 2\/2 present/);
    assert.deepEqual(await tagsOf(destination, at), [tagOf(image.digest), tagOf(signature.digest), 'v1'].sort());
  });
});
