import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pushImage, rawManifest } from '../harness/images.js';
import type { PushedImage } from '../harness/images.js';
import { ARTIFACT_TYPES, buildArtifact, pushArtifact, pushFallbackTag, signedMirrorConfig } from '../harness/referrer-artifacts.js';
import type { BuiltArtifact } from '../harness/referrer-artifacts.js';
import { startReferrersServer } from '../harness/referrers-server.js';
import type { ReferrersServer } from '../harness/referrers-server.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { cli, planEnv } from './plan-fixture.js';

// Issue 16, plan and apply: referrers found at the source are recorded on the change, copied byte for byte after
// their subject, the destination's fallback index is written (Distribution 2.8 has no referrers API), and apply
// proves every one arrived. The source is the scripted referrers-API server in front of a real registry.

const CREATED = '2024-03-01T12:00:00Z';
const MEDIA_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

interface PlanJson {
  changes: Array<{
    id: string;
    action: string;
    source: { digest: string } | null;
    target: { tag: string | null };
    subject?: string;
    artifactType?: string | null;
    referrerOf?: string;
  }>;
  stats: { referrerListings?: number };
}

describe('referrers travel with their images (registry executor)', () => {
  let source: RegistryInstance;
  let api: ReferrersServer;
  let destination: RegistryInstance;
  let image: PushedImage;
  let signature: BuiltArtifact;
  let sbom: BuiltArtifact;
  let attestation: BuiltArtifact;
  let dir: string;

  before(async () => {
    await ensureTools();
    [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
    api = await startReferrersServer(source);
    const target = { url: api.url };
    image = await pushImage(target, 'team/app', 'v1', { created: CREATED, platforms: ['linux/amd64', 'linux/arm64'] });
    const top = (await rawManifest(target, 'team/app', 'v1'))!;
    const subject = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length };
    signature = buildArtifact(subject, ARTIFACT_TYPES.signature, 'sig');
    sbom = buildArtifact({ mediaType: top.mediaType, digest: image.platforms[0]!.digest, size: 0 }, ARTIFACT_TYPES.sbom, 'child-sbom');
    attestation = buildArtifact(signature, ARTIFACT_TYPES.attestation, 'att-of-sig');
    for (const artifact of [signature, sbom, attestation]) await pushArtifact(target, 'team/app', artifact);
    dir = await makeTempDir('referrers-apply');
    await writeFile(path.join(dir, 'regsync.yaml'), signedMirrorConfig(api.host, destination.host));
  });
  after(async () => {
    await api?.stop();
    await Promise.all([source?.stop(), destination?.stop()]);
  });

  test('plan records the referrers of the index, of a child and of a referrer; apply copies them and proves them', async () => {
    const env = await planEnv();
    const planned = await cli(['plan', '--json'], env, dir);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    const change = plan.changes.find((c) => c.action === 'create' && c.subject === undefined)!;
    // Each referrer is a create of its own, right after its image, named by digest.
    const referrers = plan.changes.filter((c) => c.subject !== undefined);
    assert.deepEqual(plan.changes.indexOf(referrers[0]!), plan.changes.indexOf(change) + 1);
    assert.ok(referrers.every((r) => r.action === 'create' && r.target.tag === null && r.referrerOf === change.id));
    assert.deepEqual(
      referrers.map((r) => [r.subject, r.source!.digest, r.artifactType]),
      [
        [image.digest, signature.digest, ARTIFACT_TYPES.signature],
        [image.platforms[0]!.digest, sbom.digest, ARTIFACT_TYPES.sbom],
        [signature.digest, attestation.digest, ARTIFACT_TYPES.attestation],
      ],
    );
    // At the source the index, its two children and the three referrers found are each listed once; at the
    // destination, the three subjects that have referrers.
    assert.equal(plan.stats.referrerListings, 9);
    const human = await cli(['plan'], env, dir);
    assert.match(human.stdout, /referrers: 9 listings, 3 to copy/);
    assert.match(
      human.stdout,
      /\+ create [^ ]+mirror\/app:v1 .*\n {8}\+ 3 referrers: 1 signature \(application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json\), 1 sbom \(application\/spdx\+json\), 1 attestation \(application\/vnd\.in-toto\+json\)\n/,
    );
    assert.match(human.stdout, /Plan: 4 to create, 0 to update, 0 to delete, 0 unchanged\./);

    const applied = await cli(['apply', '--auto-approve'], env, dir);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    assert.match(applied.stdout + applied.stderr, /referrers of [^ ]+mirror\/app:v1: 3\/3 present/);
    for (const artifact of [signature, sbom, attestation]) {
      const copied = await rawManifest(destination, 'mirror/app', artifact.digest);
      assert.ok(copied?.bytes.equals(artifact.bytes), `${artifact.artifactType} copied byte for byte`);
    }
    // Distribution 2.8 has no referrers API: the fallback tags list them, as a client without the API reads them.
    const fallback = await rawManifest(destination, 'mirror/app', image.digest.replace(':', '-'));
    assert.deepEqual(
      (JSON.parse(fallback!.bytes.toString()) as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest),
      [signature.digest],
    );
    const ofSignature = await rawManifest(destination, 'mirror/app', signature.digest.replace(':', '-'));
    assert.ok(ofSignature?.bytes.toString().includes(attestation.digest));
  });

  test('the destination fallback index keeps entries another writer put there', async () => {
    const target = { url: api.url };
    const v2 = await pushImage(target, 'team/app', 'v2', { created: CREATED, content: 'v2' });
    const subject = { mediaType: v2.mediaType, digest: v2.digest, size: 0 };
    const ours = buildArtifact(subject, ARTIFACT_TYPES.signature, 'v2-sig');
    await pushArtifact(target, 'team/app', ours);
    // Another tool already wrote the destination's fallback index of v2 with an entry of its own.
    const alien = await pushImage(destination, 'mirror/other', 'alien', { created: CREATED, content: 'alien' });
    const foreign = buildArtifact({ mediaType: alien.mediaType, digest: v2.digest, size: 0 }, ARTIFACT_TYPES.sbom, 'foreign-entry');
    await pushImage(destination, 'mirror/app', 'v2', { created: CREATED, content: 'v2' });
    await pushArtifact(destination, 'mirror/app', foreign);
    await pushFallbackTag(destination, 'mirror/app', v2.digest, [foreign]);
    // The image is there, but its tag is gone again so that the plan creates it.
    const deleted = await fetch(`${destination.url}/v2/mirror/app/manifests/${v2.digest}`, { method: 'DELETE' });
    assert.equal(deleted.status, 202);
    const applied = await cli(['apply', '--auto-approve'], await planEnv(), dir);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    assert.match(applied.stdout + applied.stderr, /referrers of [^ ]+mirror\/app:v2: 1\/1 present/);
    const fallback = await rawManifest(destination, 'mirror/app', v2.digest.replace(':', '-'));
    const digests = (JSON.parse(fallback!.bytes.toString()) as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest);
    assert.deepEqual(digests, [foreign.digest, ours.digest]);
  });

  test('a destination with the referrers API: no fallback tag is written; a referrer it does not list fails the change', async () => {
    const target = { url: api.url };
    const v3 = await pushImage(target, 'team/app', 'v3', { created: CREATED, content: 'v3' });
    const kept = buildArtifact({ mediaType: v3.mediaType, digest: v3.digest, size: 0 }, ARTIFACT_TYPES.signature, 'v3-sig');
    const lost = buildArtifact({ mediaType: v3.mediaType, digest: v3.digest, size: 0 }, ARTIFACT_TYPES.sbom, 'v3-sbom');
    for (const artifact of [kept, lost]) await pushArtifact(target, 'team/app', artifact);
    const otherDestination = await startRegistry();
    const withApi = await startReferrersServer(otherDestination, { hide: [lost.digest] });
    try {
      const apiDir = await makeTempDir('referrers-apply-api');
      await writeFile(
        path.join(apiDir, 'regsync.yaml'),
        signedMirrorConfig(api.host, withApi.host, { extra: ['    tags: {include: [^v3$]}'] }),
      );
      const applied = await cli(['apply', '--auto-approve'], await planEnv(), apiDir);
      assert.equal(applied.code, 1, applied.stdout + applied.stderr);
      assert.match(
        applied.stdout + applied.stderr,
        new RegExp(`referrers of [^ ]+mirror/app:v3: 1/2 present after the copy; missing ${lost.digest}`),
      );
      // Both were copied byte for byte; the API destination needs no fallback tag.
      for (const artifact of [kept, lost])
        assert.ok((await rawManifest(otherDestination, 'mirror/app', artifact.digest))?.bytes.equals(artifact.bytes));
      assert.equal(await rawManifest(otherDestination, 'mirror/app', v3.digest.replace(':', '-')), null);
    } finally {
      await withApi.stop();
      await otherDestination.stop();
    }
  });

  test('two applies writing referrers of one subject into one destination fallback index at once lose no entry', async () => {
    // Two sources hold the same image with different signatures (two shards, two teams); both mirror into one repository.
    const [left, right, shared] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
    try {
      const spec = { created: CREATED, content: 'shared', platforms: ['linux/amd64', 'linux/arm64'] };
      // The image and the artifacts' empty config blob are there already: two processes uploading one blob into one
      // repository at the same moment trip Distribution 2.8's link-file race (LAB.md), which is not what this tests.
      // What races here are the referrers and the read-merge-write of the one fallback index.
      await pushImage(shared, 'mirror/app', 'v1', spec);
      await pushArtifact(
        shared,
        'mirror/app',
        buildArtifact({ mediaType: MEDIA_MANIFEST, digest: `sha256:${'0'.repeat(64)}`, size: 2 }, ARTIFACT_TYPES.sbom, 'seed'),
      );
      const signatures: BuiltArtifact[] = [];
      const dirs: string[] = [];
      for (const [index, from] of [left, right].entries()) {
        const pushed = await pushImage(from, 'team/app', 'v1', spec);
        const top = (await rawManifest(from, 'team/app', 'v1'))!;
        const subject = { mediaType: top.mediaType, digest: pushed.digest, size: top.bytes.length };
        // Several signatures per side, so the two writers' read-merge-write rounds overlap.
        for (let n = 0; n < 3; n += 1) {
          const signature = buildArtifact(subject, ARTIFACT_TYPES.signature, `side-${index}-${n}`);
          await pushArtifact(from, 'team/app', signature);
          signatures.push(signature);
        }
        await pushFallbackTag(from, 'team/app', pushed.digest, signatures.slice(index * 3));
        const dir = await makeTempDir(`referrers-shard-${index}`);
        // Only v1: each source's own fallback tag copied as a tag would be that tag change's to write, and the two
        // disagree (test/e2e/referrers-fallback.test.ts has the race repeated, and that case).
        await writeFile(
          path.join(dir, 'regsync.yaml'),
          `mirrors:\n  - name: side${index}\n    source: "${from.host}/team"\n    destination: "${shared.host}/mirror"\n    executor: registry\n    referrers: true\n    repositories: {names: [app]}\n    tags: {include: [^v1$]}\n`,
        );
        dirs.push(dir);
      }
      const results = await Promise.all(dirs.map(async (dir) => cli(['apply', '--auto-approve'], await planEnv(), dir)));
      for (const result of results) assert.equal(result.code, 0, result.stdout + result.stderr);
      const subject = (await rawManifest(shared, 'mirror/app', 'v1'))!.digest;
      const fallback = await rawManifest(shared, 'mirror/app', subject.replace(':', '-'));
      const listed = (JSON.parse(fallback!.bytes.toString()) as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest);
      assert.deepEqual([...listed].sort(), signatures.map((s) => s.digest).sort());
    } finally {
      await Promise.all([left.stop(), right.stop(), shared.stop()]);
    }
  });
});
