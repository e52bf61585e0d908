import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFaultProxy } from '../harness/fault-proxy.js';
import { pushImage } from '../harness/images.js';
import type { PushedImage } from '../harness/images.js';
import { ARTIFACT_TYPES, buildArtifact, pushArtifact, pushFallbackTag } from '../harness/referrer-artifacts.js';
import type { BuiltArtifact } from '../harness/referrer-artifacts.js';
import { startReferrersServer } from '../harness/referrers-server.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { ensureTools } from '../harness/tools.js';
import { canListReferrers, createRegistryPool } from '../../src/registry/index.js';
import type { ReferrersLister, Registry } from '../../src/registry/index.js';

// Issue 16, discovery at the source: the fallback tag against Distribution 2.8 (which has no referrers API: 404),
// the registry quirks (400, 406, a 200 that is no index) through a fault proxy in front of it, and the OCI 1.1 API
// path through test/harness/referrers-server.ts (a proxy that implements the API over what was pushed through it).

const CREATED = '2024-03-01T12:00:00Z';
const digests = (listing: { referrers: Array<{ digest: string }> }) => listing.referrers.map((r) => r.digest).sort();
const sorted = (...artifacts: BuiltArtifact[]) => artifacts.map((a) => a.digest).sort();

function lister(registry: Registry): Registry & ReferrersLister {
  assert.ok(canListReferrers(registry), 'the HTTP client lists referrers');
  return registry;
}

describe('referrers at an HTTP source', () => {
  let registry: RegistryInstance;
  let image: PushedImage;
  let subject: { mediaType: string; digest: string; size: number };
  let signature: BuiltArtifact;
  let sbom: BuiltArtifact;
  let attestationOfSbom: BuiltArtifact;
  const pools: Array<ReturnType<typeof createRegistryPool>> = [];
  const pool = () => {
    const created = createRegistryPool({ hosts: {} });
    pools.push(created);
    return created;
  };

  before(async () => {
    await ensureTools();
    registry = await startRegistry();
    image = await pushImage(registry, 'team/app', 'v1', { created: CREATED, platforms: ['linux/amd64', 'linux/arm64'] });
    const head = await fetch(`${registry.url}/v2/team/app/manifests/v1`, {
      method: 'HEAD',
      headers: { accept: image.mediaType },
    });
    subject = { mediaType: image.mediaType, digest: image.digest, size: Number(head.headers.get('content-length')) };
    signature = buildArtifact(subject, ARTIFACT_TYPES.signature, 'sig-1');
    sbom = buildArtifact(subject, ARTIFACT_TYPES.sbom, 'sbom-1');
    attestationOfSbom = buildArtifact(sbom, ARTIFACT_TYPES.attestation, 'att-of-sbom');
  });
  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await registry?.stop();
  });

  test('Distribution 2.8 (no API, 404): the fallback tag, validated, and the probe is made once per host for the run', async () => {
    for (const artifact of [signature, sbom, attestationOfSbom]) await pushArtifact(registry, 'team/app', artifact);
    // The fallback index also names one of the subject's own children: that is not a referrer.
    const child = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.platforms[0]!.digest, size: 1 };
    await pushFallbackTag(registry, 'team/app', image.digest, [signature, sbom, { ...signature, ...child }]);
    await pushFallbackTag(registry, 'team/app', sbom.digest, [attestationOfSbom]);
    const proxy = await startFaultProxy(registry);
    try {
      const client = lister(pool().get('registry', proxy.host));
      const listing = await client.listReferrers('team/app', image.digest);
      assert.equal(listing.source, 'fallback-tag');
      assert.deepEqual(digests(listing), sorted(signature, sbom));
      assert.equal(listing.referrers.find((r) => r.digest === signature.digest)?.artifactType, ARTIFACT_TYPES.signature);
      // Referrers of referrers: the attestation of the SBOM.
      assert.deepEqual(digests(await client.listReferrers('team/app', sbom.digest)), sorted(attestationOfSbom));
      // The artifactType filter applies to the fallback tag too.
      assert.deepEqual(digests(await client.listReferrers('team/app', image.digest, { artifactType: ARTIFACT_TYPES.sbom })), sorted(sbom));
      // No fallback tag: no referrers.
      assert.deepEqual((await client.listReferrers('team/app', image.platforms[1]!.digest)).referrers, []);
      const probes = proxy.requests.filter((r) => r.path.includes('/referrers/'));
      assert.equal(probes.length, 1, 'a host without the API is asked once per run');
      assert.equal(probes[0]?.status, 404);
    } finally {
      await proxy.stop();
    }
  });

  test('a fallback tag that is not an index lists nothing', async () => {
    const lone = await pushImage(registry, 'team/lone', 'v1', { created: CREATED, content: 'lone' });
    await pushImage(registry, 'team/lone', lone.digest.replace(':', '-'), { created: CREATED, content: 'not-an-index' });
    const listing = await lister(pool().get('registry', registry.host)).listReferrers('team/lone', lone.digest);
    assert.deepEqual(listing, { referrers: [], source: 'fallback-tag' });
  });

  const quirks: Array<{ name: string; status: number; headers: Record<string, string>; body: string }> = [
    { name: 'Quay (400)', status: 400, headers: { 'content-type': 'application/json' }, body: '{"errors":[]}' },
    { name: 'Artifactory (406)', status: 406, headers: {}, body: '' },
    { name: 'a 200 that is not an image index', status: 200, headers: { 'content-type': 'text/html' }, body: '<html>ui</html>' },
  ];
  for (const quirk of quirks) {
    test(`${quirk.name} means no API: the fallback tag is read, and the host is not probed again`, async () => {
      const proxy = await startFaultProxy(registry);
      try {
        proxy.addRule({
          method: 'GET',
          path: /\/referrers\//,
          times: 10,
          action: { type: 'respond', status: quirk.status, headers: quirk.headers, body: quirk.body },
        });
        const client = lister(pool().get('registry', proxy.host));
        const first = await client.listReferrers('team/app', image.digest);
        assert.equal(first.source, 'fallback-tag');
        assert.deepEqual(digests(first), sorted(signature, sbom));
        assert.deepEqual(digests(await client.listReferrers('team/app', sbom.digest)), sorted(attestationOfSbom));
        assert.equal(proxy.requests.filter((r) => r.path.includes('/referrers/')).length, 1);
      } finally {
        await proxy.stop();
      }
    });
  }

  test('the OCI 1.1 API (scripted server): every page by Link, the filter honoured when the server says it applied it', async () => {
    const server = await startReferrersServer(registry, { pageSize: 1, filters: true });
    try {
      const target = { url: server.url };
      const apiImage = await pushImage(target, 'team/api', 'v1', { created: CREATED, content: 'api' });
      const apiSubject = { mediaType: apiImage.mediaType, digest: apiImage.digest, size: 0 };
      const sig = buildArtifact(apiSubject, ARTIFACT_TYPES.signature, 'api-sig');
      const bom = buildArtifact(apiSubject, ARTIFACT_TYPES.sbom, 'api-sbom');
      const sig2 = buildArtifact(apiSubject, ARTIFACT_TYPES.signature, 'api-sig-2');
      for (const artifact of [sig, bom, sig2]) await pushArtifact(target, 'team/api', artifact);
      const client = lister(pool().get('registry', server.host));
      const all = await client.listReferrers('team/api', apiImage.digest);
      assert.equal(all.source, 'api');
      assert.deepEqual(digests(all), sorted(sig, bom, sig2));
      assert.equal(server.listings.length, 3, 'three pages of one');
      const signatures = await client.listReferrers('team/api', apiImage.digest, { artifactType: ARTIFACT_TYPES.signature });
      assert.deepEqual(digests(signatures), sorted(sig, sig2));
      assert.ok(server.listings.at(-1)?.includes('artifactType='), 'the filter is sent to the server');
      // No fallback tag was read: the API answered.
      assert.equal((await client.listReferrers('team/api', sig.digest)).source, 'api');
    } finally {
      await server.stop();
    }
  });

  test('the OCI 1.1 API without OCI-Filters-Applied: the artifactType filter is applied locally', async () => {
    const server = await startReferrersServer(registry, { filters: false });
    try {
      const target = { url: server.url };
      const apiImage = await pushImage(target, 'team/unfiltered', 'v1', { created: CREATED, content: 'unfiltered' });
      const apiSubject = { mediaType: apiImage.mediaType, digest: apiImage.digest, size: 0 };
      const sig = buildArtifact(apiSubject, ARTIFACT_TYPES.signature, 'u-sig');
      const bom = buildArtifact(apiSubject, ARTIFACT_TYPES.sbom, 'u-sbom');
      for (const artifact of [sig, bom]) await pushArtifact(target, 'team/unfiltered', artifact);
      const client = lister(pool().get('registry', server.host));
      const listing = await client.listReferrers('team/unfiltered', apiImage.digest, { artifactType: ARTIFACT_TYPES.sbom });
      assert.equal(listing.source, 'api');
      assert.deepEqual(digests(listing), sorted(bom));
    } finally {
      await server.stop();
    }
  });
});
