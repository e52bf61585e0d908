import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pushImage } from '../harness/images.js';
import type { PushedImage } from '../harness/images.js';
import { ARTIFACT_TYPES, buildArtifact, pushArtifact, pushFallbackTag } from '../harness/referrer-artifacts.js';
import type { BuiltArtifact } from '../harness/referrer-artifacts.js';
import { startReferrersServer } from '../harness/referrers-server.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { cli, planEnv } from './plan-fixture.js';

// Issue 16, "with `prune: true` a referrer whose subject is deleted goes with it", against two REAL Distribution 2.8
// registries (no referrers API: the destination lists referrers by the `sha256-<hex>` fallback tag): a destination
// image the source no longer has is deleted with its signature (by digest) and the signature's attestation, and the
// fallback tags listing them; the referrers of the kept image, copied or not, stay.

const CREATED = '2024-03-01T12:00:00Z';

interface PlanJson {
  changes: Array<{ action: string; reason: string; target: { tag: string | null; digest: string | null }; referrerOf?: string }>;
}

const tagOf = (digest: string): string => digest.replace(':', '-');
const subjectOf = (image: PushedImage | BuiltArtifact) => ({ mediaType: image.mediaType, digest: image.digest, size: 0 });

async function tagsOf(registry: RegistryInstance, repository: string): Promise<string[]> {
  const response = await fetch(`${registry.url}/v2/${repository}/tags/list`);
  const body = (await response.json()) as { tags: string[] | null };
  return [...(body.tags ?? [])].sort();
}

/** The status of a manifest GET by digest. */
async function manifestStatus(registry: RegistryInstance, repository: string, digest: string): Promise<number> {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${digest}`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' },
  });
  await response.arrayBuffer();
  return response.status;
}

/** A change as one comparable line: action, reason, tag or @digest, and the image a referrer goes with. */
const line = (c: PlanJson['changes'][number]): string =>
  `${c.action} ${c.reason} ${c.target.tag ?? `@${c.target.digest}`}${c.referrerOf === undefined ? '' : ` of ${c.referrerOf.split(':').at(-1)}`}`;

/** The config of a mirror of team/REPOSITORY into mirror/ that copies referrers and prunes, and its plan's changes. */
async function plannedPrune(dir: string, name: string, source: string, destination: string, repository: string) {
  const file = path.join(dir, name);
  await writeFile(
    file,
    `mirrors:\n  - name: m\n    source: "${source}/team"\n    destination: "${destination}/mirror"\n    executor: registry\n` +
      `    repositories: {names: [${repository}]}\n    referrers: true\n    prune: true\n    tags: {include: ['^v']}\n`,
  );
  const env = await planEnv();
  const planned = await cli(['plan', '-c', file, '--json'], env, dir);
  assert.equal(planned.code, 0, planned.stderr);
  return { file, env, changes: (JSON.parse(planned.stdout) as PlanJson).changes };
}

describe('prune takes the referrers of a deleted image (Distribution 2.8)', () => {
  let source: RegistryInstance;
  let destination: RegistryInstance;
  let dir: string;

  before(async () => {
    await ensureTools();
    [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
    dir = await makeTempDir('referrers-prune');
  });
  after(async () => {
    await Promise.all([source?.stop(), destination?.stop()]);
  });

  test('plan deletes the tag, its fallback tags and its referrers by digest; apply removes them; the next plan has no changes', async () => {
    // At the source: v1 and its signature (listed by its fallback tag). `old` is gone from the source.
    const v1 = await pushImage(source, 'team/app', 'v1', { created: CREATED, content: 'v1' });
    const v1Signature = buildArtifact(subjectOf(v1), ARTIFACT_TYPES.signature, 'sig-v1');
    await pushArtifact(source, 'team/app', v1Signature);
    await pushFallbackTag(source, 'team/app', v1.digest, [v1Signature]);
    // The destination as earlier applies left it: v1 with its signature, and an SBOM of v1 another tool pushed there
    // (a referrer of a kept image the source does not have); `old` with a signature, and an attestation of that
    // signature, each by digest and listed by a fallback tag.
    const at = 'mirror/app';
    await pushImage(destination, at, 'v1', { created: CREATED, content: 'v1' });
    const v1Sbom = buildArtifact(subjectOf(v1), ARTIFACT_TYPES.sbom, 'sbom-v1-elsewhere');
    for (const artifact of [v1Signature, v1Sbom]) await pushArtifact(destination, at, artifact);
    await pushFallbackTag(destination, at, v1.digest, [v1Signature, v1Sbom]);
    const old = await pushImage(destination, at, 'old', { created: CREATED, content: 'old' });
    const oldSignature = buildArtifact(subjectOf(old), ARTIFACT_TYPES.signature, 'sig-old');
    const oldAttestation = buildArtifact(subjectOf(oldSignature), ARTIFACT_TYPES.attestation, 'att-of-sig-old');
    for (const artifact of [oldSignature, oldAttestation]) await pushArtifact(destination, at, artifact);
    await pushFallbackTag(destination, at, old.digest, [oldSignature]);
    await pushFallbackTag(destination, at, oldSignature.digest, [oldAttestation]);

    const { file, env, changes } = await plannedPrune(dir, 'prune.yaml', source.host, destination.host, 'app');
    assert.deepEqual(
      changes.map(line).sort(),
      [
        `delete not-in-selection ${tagOf(old.digest)}`,
        `delete not-in-selection ${tagOf(oldSignature.digest)}`,
        `delete not-in-selection @${oldAttestation.digest} of old`,
        `delete not-in-selection @${oldSignature.digest} of old`,
        'delete not-in-selection old',
        `noop referrer-of-kept-tag ${tagOf(v1.digest)}`,
        `noop up-to-date @${v1Signature.digest} of v1`,
        'noop up-to-date v1',
      ].sort(),
    );
    // The SBOM of the kept v1 (not at the source) is no change at all: a referrer of a kept image is never deleted.
    assert.ok(!changes.some((c) => c.target.digest === v1Sbom.digest));

    // Saved as reviewed, and applied from the file: the file's referrer deletes pass its checks against the config.
    const saved = path.join(dir, 'plan.json');
    const human = await cli(['plan', '-c', file, '--out', saved], env, dir);
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /- delete [^\n]+mirror\/app:old [^\n]*\n\s+- 2 referrers: 1 signature \(application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json\), 1 attestation \(application\/vnd\.in-toto\+json\)/,
    );
    assert.match(human.stdout, /Plan: 0 to create, 0 to update, 5 to delete, 3 unchanged\./);

    const dryRun = await cli(['apply', '-c', file, saved, '--dry-run'], env, dir);
    assert.equal(dryRun.code, 0, dryRun.stderr + dryRun.stdout);
    assert.ok(
      dryRun.stdout.includes(
        `delete ${destination.host}/${at}@${oldSignature.digest} (referrer of ${old.digest}; only if no tag points at it)`,
      ),
      dryRun.stdout,
    );

    const applied = await cli(['apply', '-c', file, saved], env, dir);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    assert.deepEqual(await tagsOf(destination, at), [tagOf(v1.digest), 'v1'].sort());
    for (const gone of [old, oldSignature, oldAttestation])
      assert.equal(await manifestStatus(destination, at, gone.digest), 404, gone.digest);
    for (const kept of [v1, v1Signature, v1Sbom]) assert.equal(await manifestStatus(destination, at, kept.digest), 200, kept.digest);

    const again = await cli(['plan', '-c', file], env, dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /No changes\./);
  });
  // The same prune where the destination offers the OCI referrers API (no registry here does: the harness's scripted
  // server in front of the real one answers it, and lists no more what is deleted through it): the referrers come
  // from the API, there is no fallback tag to delete, and what the API listed goes by digest.
  test('with the referrers API at the destination: the referrers it lists are deleted by digest, no fallback tag involved', async () => {
    const api = await startReferrersServer(destination);
    try {
      const v1 = await pushImage(source, 'team/api', 'v1', { created: CREATED, content: 'api-v1' });
      const at = 'mirror/api';
      await pushImage(api, at, 'v1', { created: CREATED, content: 'api-v1' });
      const v1Sbom = buildArtifact(subjectOf(v1), ARTIFACT_TYPES.sbom, 'api-sbom-v1-elsewhere');
      const old = await pushImage(api, at, 'old', { created: CREATED, content: 'api-old' });
      const oldSignature = buildArtifact(subjectOf(old), ARTIFACT_TYPES.signature, 'api-sig-old');
      const oldAttestation = buildArtifact(subjectOf(oldSignature), ARTIFACT_TYPES.attestation, 'api-att-of-sig-old');
      for (const artifact of [v1Sbom, oldSignature, oldAttestation]) await pushArtifact(api, at, artifact);

      const { file, env, changes } = await plannedPrune(dir, 'prune-api.yaml', source.host, api.host, 'api');
      assert.deepEqual(
        changes.map(line).sort(),
        [
          `delete not-in-selection @${oldAttestation.digest} of old`,
          `delete not-in-selection @${oldSignature.digest} of old`,
          'delete not-in-selection old',
          'noop up-to-date v1',
        ].sort(),
      );
      assert.ok(api.listings.includes(`/v2/${at}/referrers/${old.digest}`), api.listings.join('\n'));
      assert.ok(api.listings.includes(`/v2/${at}/referrers/${oldSignature.digest}`), api.listings.join('\n'));

      const saved = path.join(dir, 'plan-api.json');
      assert.equal((await cli(['plan', '-c', file, '--out', saved], env, dir)).code, 0);
      const applied = await cli(['apply', '-c', file, saved], env, dir);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      assert.match(applied.stdout, /Apply complete: 0 created, 0 updated, 3 deleted, 0 failed\.\n$/);
      assert.deepEqual(await tagsOf(destination, at), ['v1']);
      for (const gone of [old, oldSignature, oldAttestation])
        assert.equal(await manifestStatus(destination, at, gone.digest), 404, gone.digest);
      for (const kept of [v1, v1Sbom]) assert.equal(await manifestStatus(destination, at, kept.digest), 200, kept.digest);

      const again = await cli(['plan', '-c', file], env, dir);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /No changes\./);
    } finally {
      await api.stop();
    }
  });
});
