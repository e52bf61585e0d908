/**
 * `regsync apply` of shapes found in third-party OCI layouts (small layouts of our own, written file by file), into
 * an ocidir:// directory and into a REAL Distribution registry: an index of artifacts whose manifests name no
 * config, an image whose config descriptor gives the wrong size, and an index whose body names no mediaType under a
 * descriptor saying Docker manifest list. The digest is what regsync verifies, so each is copied as it is, with a
 * warning where a rule the digest does not cover is broken; the one the registry refuses fails with its own words.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createOcidirRegistry } from '../../src/registry/ocidir/index.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { rawManifest } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { blob, desc, json, tagged, writeLayout } from '../registry/ocidir-fixtures.js';
import type { FixtureBlob } from '../registry/ocidir-fixtures.js';
import { cli, planEnv } from './plan-fixture.js';

const LAYER = 'application/octet-stream';
const lastLine = (text: string): string => text.trimEnd().split('\n').pop() ?? '';

/** An artifact of one layer and no config, as containers/common writes them. */
function configless(label: string, architecture: string) {
  const layer = blob(`payload ${label}`);
  const manifest = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    artifactType: `application/example+${label}`,
    layers: [desc(layer, LAYER)],
  });
  const entry = desc(manifest, MEDIA_TYPES.ociManifest, { platform: { os: 'linux', architecture } });
  return { blobs: [layer, manifest], entry };
}

/** The source layout `odd/app` with the three tags; the digests a byte-identical copy must have. */
async function writeSource(root: string) {
  const [s390x, ppc] = [configless('bar', 's390x'), configless('foo', 'ppc64le')];
  const artifacts = json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [s390x.entry, ppc.entry] });

  const config = json({ os: 'linux', architecture: 'amd64', created: '2024-01-01T00:00:00Z' });
  const layer = blob('a layer');
  const sized = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { ...desc(config, MEDIA_TYPES.ociConfig), size: config.size + 101 },
    layers: [desc(layer, 'application/vnd.oci.image.layer.v1.tar+gzip')],
  });
  // No mediaType in the body, no platform on the child: go-containerregistry's test_index shape.
  const listed = json({ schemaVersion: 2, manifests: [desc(sized, MEDIA_TYPES.ociManifest)] });

  const blobs: FixtureBlob[] = [...s390x.blobs, ...ppc.blobs, artifacts, config, layer, sized, listed];
  await writeLayout(root, 'odd/app', blobs, {
    schemaVersion: 2,
    manifests: [
      tagged(artifacts, MEDIA_TYPES.ociIndex, 'configless'),
      tagged(sized, MEDIA_TYPES.ociManifest, 'sized'),
      tagged(listed, MEDIA_TYPES.dockerManifestList, 'listed'),
    ],
  });
  return { artifacts, sized, listed, config, children: [s390x.entry.digest, ppc.entry.digest] };
}

describe('regsync apply of third-party shapes (registry executor)', () => {
  let registry: RegistryInstance;
  let dir: string;
  let source: Awaited<ReturnType<typeof writeSource>>;
  const config = async (name: string, destination: string): Promise<string> => {
    const file = join(dir, name);
    const registries = `registries:\n  "${registry.host}":\n    tls: disabled\n`;
    await writeFile(
      file,
      `version: 1\n${registries}mirrors:\n  - name: odd\n    source: ocidir://${dir}/src/odd\n    destination: ${destination}\n    executor: registry\n`,
    );
    return file;
  };
  before(async () => {
    await ensureTools();
    [registry, dir] = await Promise.all([startRegistry(), makeTempDir('apply-odd')]);
    source = await writeSource(join(dir, 'src'));
  });
  after(() => registry?.stop());

  it('into an ocidir:// directory: all three byte for byte, a warning for each broken rule, then No changes.', async () => {
    const file = await config('dir.yaml', `ocidir://${dir}/out`);
    const result = await cli(['apply', '-c', file, '--yes'], await planEnv(), dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(lastLine(result.stdout), 'Apply complete: 3 created, 0 updated, 0 deleted, 0 failed.');
    const copied = createOcidirRegistry(join(dir, 'out'));
    for (const [tag, manifest] of [
      ['configless', source.artifacts],
      ['sized', source.sized],
      ['listed', source.listed],
    ] as const) {
      assert.deepEqual((await copied.getManifest('app', tag)).bytes, manifest.bytes, tag);
    }
    for (const child of source.children) assert.equal((await copied.headManifest('app', child))?.digest, child);
    const sizeWarning = `blob ${source.config.digest} of (ocidir://)?${dir}/src/odd/app has ${source.config.size} bytes, its descriptor says ${source.config.size + 101}: copied as it is`;
    assert.match(result.stderr, new RegExp(sizeWarning));
    assert.ok(
      result.stderr.includes(
        `@${source.listed.digest} is described as ${MEDIA_TYPES.dockerManifestList} but its body names no mediaType: pushed as ${MEDIA_TYPES.ociIndex}`,
      ),
      result.stderr,
    );
    const again = await cli(['plan', '-c', file], await planEnv(), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /No changes\./);
  });

  it('into Distribution: the config-less manifests fail with the registry message, the other two land, exit 1', async () => {
    const file = await config('registry.yaml', `${registry.host}/mirror`);
    const result = await cli(['apply', '-c', file, '--yes'], await planEnv(), dir);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(lastLine(result.stdout), 'Apply complete: 2 created, 0 updated, 0 deleted, 1 failed.');
    const failure = result.stderr.split('\n').find((line) => line.startsWith('regsync: failed: ')) ?? '';
    assert.ok(
      failure.includes(`create ${registry.host}/mirror/app:configless: PUT ${registry.host}/v2/mirror/app/manifests/sha256:`),
      failure,
    );
    assert.match(failure, /failed with HTTP 400 \(.*MANIFEST_BLOB_UNKNOWN: blob unknown to registry\): the manifest names no config/);
    assert.equal(await rawManifest(registry, 'mirror/app', 'configless'), null, 'no tag over a partial image');

    const sized = await rawManifest(registry, 'mirror/app', 'sized');
    assert.deepEqual(sized?.bytes, source.sized.bytes);
    const listed = await rawManifest(registry, 'mirror/app', 'listed');
    assert.deepEqual(listed?.bytes, source.listed.bytes);
    assert.equal(listed?.mediaType, MEDIA_TYPES.ociIndex);
    assert.match(result.stderr, new RegExp(`has ${source.config.size} bytes, its descriptor says ${source.config.size + 101}`));
    assert.match(result.stderr, /its body names no mediaType: pushed as application\/vnd\.oci\.image\.index\.v1\+json/);

    const again = await cli(['plan', '-c', file], await planEnv(), dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Plan: 1 to create, 0 to update, 0 to delete, 2 unchanged\./);
  });
});
