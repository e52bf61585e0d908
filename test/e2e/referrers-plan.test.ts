import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pushImage, rawManifest } from '../harness/images.js';
import type { PushedImage } from '../harness/images.js';
import { ARTIFACT_TYPES, buildArtifact, pushArtifact, pushFallbackTag, signedMirrorConfig } from '../harness/referrer-artifacts.js';
import type { BuiltArtifact } from '../harness/referrer-artifacts.js';
import { startReferrersServer } from '../harness/referrers-server.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { parseApplyResult } from './apply-fixture.js';
import { cli, planEnv } from './plan-fixture.js';

// Issue 16, "Done when": against the real Distribution registry (no referrers API; a client that signs maintains
// the sha256-<hex> fallback tag, as cosign and oras do), an image is mirrored with its signature; a second
// signature pushed upstream to the otherwise unchanged image is the only change of the next plan (a referrer create
// of its own), apply leaves both at the destination with `2/2 present`, and the plan after says `No changes.`

const CREATED = '2024-03-01T12:00:00Z';

interface PlanJson {
  changes: Array<{
    id: string;
    action: string;
    source: { digest: string } | null;
    target: { ref: string; tag: string | null };
    subject?: string;
    artifactType?: string | null;
    referrerOf?: string;
  }>;
  summary: { create: number; update: number; delete: number; noop: number; skipped: number };
}

interface ApplyJson {
  changes: Array<{ id: string; status: string }>;
  images?: Array<{ ref: string; referrers: { expected: number; present: number } }>;
}

const listed = async (registry: RegistryInstance, subject: string): Promise<string[]> => {
  const fallback = await rawManifest(registry, 'mirror/app', subject.replace(':', '-'));
  return fallback === null
    ? []
    : (JSON.parse(fallback.bytes.toString()) as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest);
};

describe('a signature added upstream to an unchanged image (Distribution 2.8, fallback tags)', () => {
  let source: RegistryInstance;
  let destination: RegistryInstance;
  let image: PushedImage;
  let subject: { mediaType: string; digest: string; size: number };
  let first: BuiltArtifact;
  let dir: string;

  before(async () => {
    await ensureTools();
    [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
    image = await pushImage(source, 'team/app', 'v1', { created: CREATED, platforms: ['linux/amd64', 'linux/arm64'] });
    const top = (await rawManifest(source, 'team/app', 'v1'))!;
    subject = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length };
    first = buildArtifact(subject, ARTIFACT_TYPES.signature, 'first-signature');
    await pushArtifact(source, 'team/app', first);
    await pushFallbackTag(source, 'team/app', image.digest, [first]);
    dir = await makeTempDir('referrers-plan');
    // Every tag, the source's sha256-<hex> fallback tag included: its referrers were listed by it, so apply keeps
    // the destination's own and the plan does not copy it as a tag as well.
    await writeFile(path.join(dir, 'regsync.yaml'), signedMirrorConfig(source.host, destination.host));
  });
  after(() => Promise.all([source?.stop(), destination?.stop()]));

  test('mirrored with its signature (1/1 present); then the plan says No changes.', async () => {
    const env = await planEnv();
    const applied = await cli(['apply', '--auto-approve'], env, dir);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    assert.match(applied.stdout + applied.stderr, /referrers of [^ ]+mirror\/app:v1: 1\/1 present/);
    assert.ok((await rawManifest(destination, 'mirror/app', first.digest))?.bytes.equals(first.bytes));
    assert.deepEqual(await listed(destination, image.digest), [first.digest]);
    const again = await cli(['plan'], env, dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /No changes\. The destination is up to date\./);
  });

  test('a second signature upstream is the only change of the next plan; apply leaves both (2/2 present); then No changes.', async () => {
    const second = buildArtifact(subject, ARTIFACT_TYPES.signature, 'second-signature');
    await pushArtifact(source, 'team/app', second);
    await pushFallbackTag(source, 'team/app', image.digest, [first, second]);
    const env = await planEnv();

    const planned = await cli(['plan', '--json'], env, dir);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    const changed = plan.changes.filter((c) => c.action !== 'noop');
    assert.equal(changed.length, 1, planned.stdout);
    const [create] = changed;
    const v1 = plan.changes.find((c) => c.target.tag === 'v1')!;
    assert.equal(v1.action, 'noop');
    assert.equal(create!.action, 'create');
    assert.equal(create!.source!.digest, second.digest);
    assert.equal(create!.subject, image.digest);
    assert.equal(create!.artifactType, ARTIFACT_TYPES.signature);
    assert.equal(create!.referrerOf, v1.id);
    assert.equal(create!.target.tag, null);
    assert.equal(create!.id, `signed:${destination.host}/mirror/app@${second.digest}`);
    // The first signature is there already: a noop of its own.
    assert.deepEqual(
      plan.changes.filter((c) => c.subject !== undefined && c.action === 'noop').map((c) => c.source!.digest),
      [first.digest],
    );
    assert.deepEqual(plan.summary, { create: 1, update: 0, delete: 0, noop: 2, skipped: plan.summary.skipped });

    const human = await cli(['plan'], env, dir);
    assert.match(
      human.stdout,
      /unchanged [^ ]+mirror\/app:v1 .*\n {8}\+ 1 referrer: 1 signature \(application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json\)\n/,
    );
    assert.match(human.stdout, /Plan: 1 to create, 0 to update, 0 to delete, 2 unchanged\.\nreferrers: \d+ listings, 1 to copy/);
    const unchanged = await cli(['plan', '--show-unchanged'], env, dir);
    assert.match(unchanged.stdout, new RegExp(`unchanged referrer ${first.digest.slice(0, 15)}[0-9a-f]*: signature`));

    const applied = await cli(['apply', '--auto-approve'], env, dir);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    assert.match(applied.stdout + applied.stderr, /referrers of [^ ]+mirror\/app:v1: 2\/2 present/);
    assert.match(applied.stdout, /Apply complete: 1 created, 0 updated, 0 deleted, 0 failed\./);
    assert.ok((await rawManifest(destination, 'mirror/app', second.digest))?.bytes.equals(second.bytes));
    assert.deepEqual([...(await listed(destination, image.digest))].sort(), [first.digest, second.digest].sort());

    const after = await cli(['plan'], env, dir);
    assert.match(after.stdout, /No changes\. The destination is up to date\./);
  });

  test('apply --json gives the image its referrers: {expected, present}', async () => {
    const sbom = buildArtifact({ ...subject, digest: image.platforms[1]!.digest }, ARTIFACT_TYPES.sbom, 'arm64-sbom');
    await pushArtifact(source, 'team/app', sbom);
    await pushFallbackTag(source, 'team/app', image.platforms[1]!.digest, [sbom]);
    const applied = await cli(['apply', '--auto-approve', '--json'], await planEnv(), dir);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    // Valid against schemas/apply-result.schema.json.
    const result = parseApplyResult(applied.stdout) as ApplyJson;
    assert.deepEqual(
      result.changes.map((c) => [c.id, c.status]),
      [[`signed:${destination.host}/mirror/app@${sbom.digest}`, 'done']],
    );
    assert.deepEqual(result.images, [{ ref: `${destination.host}/mirror/app:v1`, referrers: { expected: 3, present: 3 } }]);
  });
});

describe('the referrers API at the source (scripted server): a new referrer of an unchanged image', () => {
  test('is planned as a create and applied; the destination (no API) lists it by its fallback tag', async () => {
    await ensureTools();
    const [backing, destination] = await Promise.all([startRegistry(), startRegistry()]);
    const api = await startReferrersServer(backing);
    try {
      const target = { url: api.url };
      const image = await pushImage(target, 'team/app', 'v1', { created: CREATED, content: 'api' });
      const dir = await makeTempDir('referrers-plan-api');
      await writeFile(path.join(dir, 'regsync.yaml'), signedMirrorConfig(api.host, destination.host));
      const env = await planEnv();
      const first = await cli(['apply', '--auto-approve'], env, dir);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      const attestation = buildArtifact({ mediaType: image.mediaType, digest: image.digest, size: 0 }, ARTIFACT_TYPES.attestation, 'att');
      await pushArtifact(target, 'team/app', attestation);
      const planned = JSON.parse((await cli(['plan', '--json'], env, dir)).stdout) as PlanJson;
      assert.deepEqual(
        planned.changes.filter((c) => c.action !== 'noop').map((c) => [c.action, c.source!.digest, c.subject]),
        [['create', attestation.digest, image.digest]],
      );
      const applied = await cli(['apply', '--auto-approve'], env, dir);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      assert.match(applied.stdout + applied.stderr, /referrers of [^ ]+mirror\/app:v1: 1\/1 present/);
      assert.deepEqual(await listed(destination, image.digest), [attestation.digest]);
      assert.match((await cli(['plan'], env, dir)).stdout, /No changes\./);
    } finally {
      await api.stop();
      await Promise.all([backing.stop(), destination.stop()]);
    }
  });
});

describe('a referrer listing that fails', () => {
  test('fails its source repository alone: named in the failures, its changes left out; the other repository is planned with its referrers', async () => {
    await ensureTools();
    const [backing, destination] = await Promise.all([startRegistry(), startRegistry()]);
    const api = await startReferrersServer(backing, { failRepositories: ['team/broken'] });
    try {
      const target = { url: api.url };
      const good = await pushImage(target, 'team/app', 'v1', { created: CREATED, content: 'good' });
      await pushImage(target, 'team/broken', 'v1', { created: CREATED, content: 'broken' });
      const signature = buildArtifact({ mediaType: good.mediaType, digest: good.digest, size: 0 }, ARTIFACT_TYPES.signature, 'good-sig');
      await pushArtifact(target, 'team/app', signature);
      const dir = await makeTempDir('referrers-plan-failure');
      await writeFile(path.join(dir, 'regsync.yaml'), signedMirrorConfig(api.host, destination.host, { names: ['app', 'broken'] }));
      const planned = await cli(['plan', '--json'], await planEnv(), dir);
      assert.equal(planned.code, 1, planned.stderr);
      const plan = JSON.parse(planned.stdout) as PlanJson & { failures?: Array<{ repository: string; error: string }> };
      assert.deepEqual(
        plan.failures?.map((f) => f.repository),
        ['team/broken'],
      );
      assert.match(plan.failures?.[0]?.error ?? '', /cannot list the referrers of [^ ]+team\/broken:v1: /);
      assert.deepEqual(
        plan.changes.map((c) => [c.action, c.target.ref]),
        [
          ['create', `${destination.host}/mirror/app:v1`],
          ['create', `${destination.host}/mirror/app@${signature.digest}`],
        ],
      );
    } finally {
      await api.stop();
      await Promise.all([backing.stop(), destination.stop()]);
    }
  });
});

describe('a platforms subset (Distribution 2.8, fallback tags)', () => {
  test("the source index's referrers cannot follow (a warning); the kept child's referrers do, proven at the destination", async () => {
    await ensureTools();
    const [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
    try {
      const image = await pushImage(source, 'team/app', 'v1', {
        created: CREATED,
        content: 'subset',
        platforms: ['linux/amd64', 'linux/arm64'],
      });
      const top = (await rawManifest(source, 'team/app', 'v1'))!;
      const onIndex = buildArtifact(
        { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length },
        ARTIFACT_TYPES.signature,
        'index-sig',
      );
      const [amd64, arm64] = image.platforms;
      const child = (digest: string, content: string) =>
        buildArtifact({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 0 }, ARTIFACT_TYPES.sbom, content);
      const amdSbom = child(amd64!.digest, 'amd64-sbom');
      const armSbom = child(arm64!.digest, 'arm64-sbom');
      for (const artifact of [onIndex, amdSbom, armSbom]) await pushArtifact(source, 'team/app', artifact);
      await pushFallbackTag(source, 'team/app', image.digest, [onIndex]);
      await pushFallbackTag(source, 'team/app', amd64!.digest, [amdSbom]);
      await pushFallbackTag(source, 'team/app', arm64!.digest, [armSbom]);
      const dir = await makeTempDir('referrers-plan-subset');
      await writeFile(
        path.join(dir, 'regsync.yaml'),
        signedMirrorConfig(source.host, destination.host, { extra: ['    platforms: [linux/arm64]', '    tags: {include: [^v1$]}'] }),
      );
      const env = await planEnv();
      const planned = await cli(['plan'], env, dir);
      assert.equal(planned.code, 0, planned.stderr);
      assert.match(
        planned.stdout,
        new RegExp(
          `! 1 referrer\\(s\\) of the source index ${image.digest} cannot follow the platforms subset \\(a new index digest\\); the kept children's referrers do`,
        ),
      );
      assert.match(planned.stdout, /\+ 1 referrer: 1 sbom \(application\/spdx\+json\)\n/);
      const applied = await cli(['apply', '--auto-approve'], env, dir);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      assert.match(applied.stdout + applied.stderr, /referrers of [^ ]+mirror\/app:v1: 1\/1 present/);
      assert.ok((await rawManifest(destination, 'mirror/app', armSbom.digest))?.bytes.equals(armSbom.bytes));
      assert.equal(await rawManifest(destination, 'mirror/app', amdSbom.digest), null);
      assert.equal(await rawManifest(destination, 'mirror/app', onIndex.digest), null);
      assert.match((await cli(['plan'], env, dir)).stdout, /No changes\./);
    } finally {
      await Promise.all([source.stop(), destination.stop()]);
    }
  });
});
