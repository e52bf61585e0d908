import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pushImage, rawManifest } from '../harness/images.js';
import {
  ARTIFACT_TYPES,
  buildArtifact,
  fallbackIndex,
  pushArtifact,
  pushFallbackTag,
  signedMirrorConfig,
} from '../harness/referrer-artifacts.js';
import type { BuiltArtifact } from '../harness/referrer-artifacts.js';
import { startReferrersServer } from '../harness/referrers-server.js';
import type { ReferrersServer } from '../harness/referrers-server.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { cli, planEnv } from './plan-fixture.js';

// Issue 16, the destination's `sha256-<hex>` fallback index on a real Distribution 2.8 (no referrers API):
// - two applies writing different referrers of the same subjects into one destination at once lose no entry
//   (repeated, several subjects a round, so that a lost update would show);
// - a fallback tag the source tags itself and the mirror copies as a tag is mirrored byte for byte, while every
//   referrer the source has is still copied by digest: the mirror converges (the next plan says `No changes.`).

const CREATED = '2024-03-01T12:00:00Z';
const ROUNDS = 3;
const SUBJECTS_PER_ROUND = 3;
const SIGNATURES_PER_SIDE = 2;

const digestsListed = (bytes: Buffer): string[] =>
  (JSON.parse(bytes.toString()) as { manifests: Array<{ digest: string }> }).manifests.map((entry) => entry.digest).sort();

async function deleteManifest(registry: RegistryInstance, repository: string, digest: string): Promise<void> {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${digest}`, { method: 'DELETE' });
  assert.equal(response.status, 202);
}

describe('the destination fallback index under two concurrent applies (Distribution 2.8)', () => {
  let sides: RegistryInstance[];
  let shared: RegistryInstance;
  const dirs: string[] = [];

  before(async () => {
    await ensureTools();
    [shared, ...sides] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
    for (const [index, from] of sides.entries()) {
      const dir = await makeTempDir(`fallback-race-${index}`);
      // The sources tag their own fallback indexes (each lists its own signatures); the mirrors copy only the images,
      // so the destination's fallback index is the referrers step's to maintain, and both write it.
      await writeFile(
        path.join(dir, 'regsync.yaml'),
        `mirrors:\n  - name: side${index}\n    source: "${from.host}/team"\n    destination: "${shared.host}/mirror"\n    executor: registry\n    referrers: true\n    repositories: {names: [app]}\n    tags: {include: ['^v']}\n`,
      );
      dirs.push(dir);
    }
  });
  after(() => Promise.all([shared?.stop(), ...(sides ?? []).map((side) => side.stop())]));

  test(`${ROUNDS} rounds of two applies at once, ${SUBJECTS_PER_ROUND} subjects each: every entry of both is listed`, async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const expected = new Map<string, string[]>();
      for (let n = 0; n < SUBJECTS_PER_ROUND; n += 1) {
        // One image, tagged differently on each side: one side's tag already landed would make the other's change
        // "already present" (nothing run, its referrers not copied); here both write the subject's fallback index.
        const tag = `v${round}-${n}`;
        const spec = { created: CREATED, content: `race-${round}-${n}` };
        let subject = '';
        const signatures: BuiltArtifact[] = [];
        for (const [index, from] of sides.entries()) {
          const pushed = await pushImage(from, 'team/app', `${tag}-side${index}`, spec);
          subject = pushed.digest;
          const own: BuiltArtifact[] = [];
          for (let s = 0; s < SIGNATURES_PER_SIDE; s += 1) {
            const signature = buildArtifact(
              { mediaType: pushed.mediaType, digest: pushed.digest, size: 0 },
              ARTIFACT_TYPES.signature,
              `${tag}-side${index}-${s}`,
            );
            await pushArtifact(from, 'team/app', signature);
            own.push(signature);
          }
          await pushFallbackTag(from, 'team/app', pushed.digest, own);
          signatures.push(...own);
        }
        // The destination already holds every blob (pushed, then the image's manifest deleted): two applies uploading
        // one blob into one repository at once is Distribution 2.8's link-file race (LAB.md), not this test's subject.
        await pushImage(shared, 'mirror/app', tag, spec);
        for (const signature of signatures) await pushArtifact(shared, 'mirror/app', signature);
        await deleteManifest(shared, 'mirror/app', subject);
        expected.set(subject, signatures.map((signature) => signature.digest).sort());
      }
      const results = await Promise.all(dirs.map(async (dir) => cli(['apply', '--auto-approve'], await planEnv(), dir)));
      for (const result of results) assert.equal(result.code, 0, result.stdout + result.stderr);
      for (const result of results)
        assert.equal((result.stdout + result.stderr).match(/: 2\/2 present/g)?.length, SUBJECTS_PER_ROUND, result.stdout + result.stderr);
      for (const [subject, digests] of expected) {
        const fallback = await rawManifest(shared, 'mirror/app', subject.replace(':', '-'));
        assert.deepEqual(digestsListed(fallback!.bytes), digests, `round ${round}: the fallback index of ${subject}`);
      }
    }
  });
});

describe("a source's own fallback tag listing fewer referrers than it has (Distribution 2.8 destination)", () => {
  let source: RegistryInstance;
  let api: ReferrersServer;
  let destination: RegistryInstance;
  let dir: string;
  let subject: string;
  let listedOne: BuiltArtifact;
  let unlisted: BuiltArtifact;

  before(async () => {
    await ensureTools();
    [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
    // The referrers API lists both signatures (as an OCI layout's index.json does in the corpus); the fallback tag the
    // source itself tags lists one, as a tool that wrote it before the second signature existed left it.
    api = await startReferrersServer(source);
    const target = { url: api.url };
    const image = await pushImage(target, 'team/app', 'v1', { created: CREATED, content: 'two-signatures' });
    subject = image.digest;
    const ref = { mediaType: image.mediaType, digest: image.digest, size: 0 };
    listedOne = buildArtifact(ref, ARTIFACT_TYPES.signature, 'first');
    unlisted = buildArtifact(ref, ARTIFACT_TYPES.signature, 'second');
    for (const artifact of [listedOne, unlisted]) await pushArtifact(target, 'team/app', artifact);
    await pushFallbackTag(target, 'team/app', subject, [listedOne]);
    dir = await makeTempDir('fallback-own-tag');
    await writeFile(path.join(dir, 'regsync.yaml'), signedMirrorConfig(api.host, destination.host));
  });
  after(async () => {
    await api?.stop();
    await Promise.all([source?.stop(), destination?.stop()]);
  });

  test('the tag is mirrored byte for byte, both referrers by digest, the proof says what a client sees; the next plan says No changes.', async () => {
    const env = await planEnv();
    const applied = await cli(['apply', '--auto-approve'], env, dir);
    const output = applied.stdout + applied.stderr;
    assert.equal(applied.code, 0, output);
    assert.match(output, /referrers of [^ ]+mirror\/app:v1: 2\/2 present/);
    assert.ok(
      output.includes(
        // Said under the image's last referrer change (the one that proves the image's referrers).
        `mirror/app@${unlisted.digest}: fallback tag ${subject.replace(':', '-')} is the source's own, mirrored as it is: it lists 1 of the 2 referrers`,
      ),
      output,
    );
    assert.ok(
      output.includes(`so a client without the referrers API sees 1 (the others are stored by digest: ${unlisted.digest})`),
      output,
    );
    const tag = subject.replace(':', '-');
    const mirrored = await rawManifest(destination, 'mirror/app', tag);
    assert.ok(mirrored?.bytes.equals(fallbackIndex([listedOne]).bytes), 'the fallback tag is the source’s, byte for byte');
    for (const artifact of [listedOne, unlisted]) {
      assert.ok(
        (await rawManifest(destination, 'mirror/app', artifact.digest))?.bytes.equals(artifact.bytes),
        `${artifact.digest} by digest`,
      );
    }
    const again = await cli(['plan'], await planEnv(), dir);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /No changes\./);
  });
});
