/**
 * gatherInventory against the real ocidir backend (files on disk, no network): what is read, what
 * is not, and that a second run answers image facts from the on-disk cache. Each Registry method
 * call is counted by a thin wrapper that delegates to the real backend.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { MirrorConfig } from '../../src/config/types.js';
import { openFactsCache } from '../../src/inventory/facts-cache.js';
import { gatherInventory } from '../../src/inventory/gather.js';
import { inventorySelection } from '../../src/plan/tag-selection.js';
import { createOcidirRegistry } from '../../src/registry/ocidir/index.js';
import type { Registry, RegistryPool, RequestStats } from '../../src/registry/types.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { blob, imageManifest, indexManifest, streamOf } from '../registry/ocidir-fixtures.js';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'regsync-inv-'));
  dirs.push(dir);
  return dir;
}

const selection = inventorySelection(new Date());

type Calls = Record<string, number>;
function counting(registry: Registry, calls: Calls): Registry {
  const count = (name: string): void => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  return new Proxy(registry, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        count(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function ocidirPool(calls: Calls): RegistryPool {
  const registries = new Map<string, Registry>();
  return {
    get(scheme, location) {
      assert.equal(scheme, 'ocidir');
      let registry = registries.get(location);
      if (!registry) {
        registry = counting(createOcidirRegistry(location), calls);
        registries.set(location, registry);
      }
      return registry;
    },
    stats(): RequestStats {
      return { requests: 0, byHostAndMethod: {}, bytesDownloaded: 0, bytesUploaded: 0 };
    },
    close: () => Promise.resolve(),
  };
}

/** Writes a one-layer image (or an index of several) and tags it; returns the tag's digest. */
async function put(
  root: string,
  repository: string,
  tag: string,
  created: string,
  platforms: string[] = ['linux/amd64'],
  format: 'oci' | 'docker' = 'oci',
): Promise<string> {
  const registry = createOcidirRegistry(root);
  const children = [];
  for (const platform of platforms) {
    const [os = 'linux', architecture = 'amd64'] = platform.split('/');
    const layer = blob(`layer ${tag} ${platform} ${created}`);
    const config = blob(JSON.stringify({ created, os, architecture, rootfs: { type: 'layers', diff_ids: [] } }));
    for (const part of [layer, config]) await registry.uploadBlob(repository, part.digest, part.size, streamOf(part.bytes));
    const manifest = imageManifest(config, [layer], format === 'docker' ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest);
    children.push({ manifest, os, architecture });
  }
  if (children.length === 1) {
    const { manifest } = children[0]!;
    await registry.putManifest(repository, tag, manifest.bytes, manifest.mediaType);
    return manifest.digest;
  }
  for (const { manifest } of children) await registry.putManifest(repository, manifest.digest, manifest.bytes, manifest.mediaType);
  const index = indexManifest(children, format === 'docker' ? MEDIA_TYPES.dockerManifestList : MEDIA_TYPES.ociIndex);
  await registry.putManifest(repository, tag, index.bytes, index.mediaType);
  return index.digest;
}

function mirrorConfig(source: string, destination: string, overrides: Partial<MirrorConfig> = {}): MirrorConfig {
  return {
    name: 'apps',
    source: { scheme: 'ocidir', path: source, prefix: 'team' },
    destination: { scheme: 'ocidir', path: destination, prefix: 'mirror' },
    executor: 'registry',
    repositories: { names: null, include: [], exclude: [] },
    tags: { include: ['.*'], exclude: [], semver: null, prerelease: false, maxAge: null, minAge: null, latest: null },
    rename: null,
    platforms: null,
    overwrite: true,
    prune: false,
    removalQueue: 20,
    referrers: null,
    ...overrides,
  };
}

describe('gatherInventory (ocidir backend)', async () => {
  const src = await tempDir();
  const dst = await tempDir();
  const digests = {
    app1v1: await put(src, 'team/app1', 'v1.0.0', '2024-01-10T00:00:00Z'),
    app1v2: await put(src, 'team/app1', 'v1.1.0', '2024-02-10T00:00:00Z', ['linux/amd64'], 'docker'),
    app2multi: await put(src, 'team/app2', 'v2.0.0', '2024-03-01T00:00:00Z', ['linux/amd64', 'linux/arm64']),
  };
  await put(src, 'other/outside', 'v1', '2024-01-01T00:00:00Z');
  await put(dst, 'mirror/app1', 'v1.0.0', '2024-01-10T00:00:00Z'); // identical content → same digest
  await put(dst, 'mirror/app1', 'old', '2023-01-01T00:00:00Z'); // only at the destination

  const run = async (mirror: MirrorConfig, cacheDir: string | null, calls: Calls = {}) => {
    const cache = await openFactsCache({ dir: cacheDir });
    const events: string[] = [];
    const inventory = await gatherInventory({
      config: { version: 1, file: null, registries: {}, mirrors: [mirror] },
      mirrors: [mirror],
      pool: ocidirPool(calls),
      selection,
      cache,
      onProgress: (event) => events.push(event.kind),
    });
    return { inventory, calls, cache, events };
  };

  it('lists the catalog under the source prefix, reads kept tags and only the destination tags they map to', async () => {
    const { inventory, calls, events } = await run(
      mirrorConfig(src, dst, { tags: { ...mirrorConfig(src, dst).tags, exclude: ['^v2'] } }),
      null,
    );
    const v110Created = '2024-02-10T00:00:00Z';
    const v110ConfigDigest = blob(
      JSON.stringify({ created: v110Created, os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] } }),
    ).digest;
    const [mirror] = inventory.mirrors;
    assert.ok(mirror);
    assert.deepEqual(mirror.sourceRepositories, ['app1', 'app2']);
    assert.deepEqual(Object.keys(mirror.source).sort(), ['app1', 'app2']);
    assert.deepEqual(mirror.source.app1, {
      repository: 'team/app1',
      exists: true,
      tags: ['v1.0.0', 'v1.1.0'],
      facts: {
        'v1.0.0': { digest: digests.app1v1, mediaType: MEDIA_TYPES.ociManifest, isIndex: false },
        'v1.1.0': {
          digest: digests.app1v2,
          mediaType: MEDIA_TYPES.dockerManifest,
          isIndex: false,
          platforms: [{ platform: 'linux/amd64', manifestDigest: digests.app1v2, configDigest: v110ConfigDigest, created: v110Created }],
          artifactType: null,
          configDigest: v110ConfigDigest,
          unusable: [],
        },
      },
    });
    // v2.0.0 excluded by name: never HEADed.
    assert.deepEqual(mirror.source.app2?.facts, {});
    assert.deepEqual(mirror.destination['mirror/app1'], {
      repository: 'mirror/app1',
      exists: true,
      tags: ['old', 'v1.0.0'],
      facts: { 'v1.0.0': { digest: digests.app1v1, mediaType: MEDIA_TYPES.ociManifest, isIndex: false } },
    });
    assert.deepEqual(mirror.destination['mirror/app2'], { repository: 'mirror/app2', exists: false, tags: [], facts: {} });
    // No filter needs image facts, so the up-to-date v1.0.0 costs one HEAD at each side; v1.1.0, missing at the
    // destination, is read by one GET of its manifest by tag (no HEAD first) and described for the reviewer (its
    // config blob). HEADs: 1 source + 1 destination.
    assert.equal(calls.getManifest, 1);
    assert.equal(calls.getBlobBytes, 1);
    assert.equal(calls.headManifest, 2);
    assert.equal(calls.listRepositories, 1);
    // Source tags come with the layout's notes (a tag named twice); the destination's are plain tag lists.
    assert.equal(calls.listTagsWithNotes, 2);
    assert.equal(calls.listTags, 2);
    assert.deepEqual(events, ['mirror-start', 'repositories', 'repository-done', 'repository-done', 'mirror-done']);
  });

  it("leaves a tag undescribed by the planner's own sameDigest (the selection), not a rule of its own", async () => {
    const mirror = mirrorConfig(src, dst, { tags: { ...mirrorConfig(src, dst).tags, exclude: ['^v2'] } });
    const gather = async (sameDigest: typeof selection.sameDigest) => {
      const calls: Calls = {};
      const inventory = await gatherInventory({
        config: { version: 1, file: null, registries: {}, mirrors: [mirror] },
        mirrors: [mirror],
        pool: ocidirPool(calls),
        selection: { ...selection, sameDigest },
        cache: await openFactsCache({ dir: null }),
      });
      return { calls, facts: inventory.mirrors[0]?.source.app1?.facts['v1.0.0'] };
    };
    // The planner's rule: v1.0.0 has the destination's digest, so it stays at one HEAD (the test above).
    const planner = await gather(selection.sameDigest);
    assert.equal(planner.calls.getManifest, 1);
    assert.equal(planner.facts?.configDigest, undefined);
    // A selection that never calls digests the same: v1.0.0 is described too (one more manifest read).
    const never = await gather(() => false);
    assert.equal(never.calls.getManifest, 2);
    assert.equal(typeof never.facts?.configDigest, 'string');
  });

  it('with prune, also HEADs destination tags outside the selection', async () => {
    const { inventory } = await run(
      mirrorConfig(src, dst, { prune: true, repositories: { names: ['app1'], include: [], exclude: [] } }),
      null,
    );
    const facts = inventory.mirrors[0]?.destination['mirror/app1']?.facts ?? {};
    assert.deepEqual(Object.keys(facts).sort(), ['old', 'v1.0.0']);
  });

  it('with age filters reads created dates (per platform of an index), and a second run reads no manifest or config blob', async () => {
    const cacheDir = await tempDir();
    const mirror = mirrorConfig(src, dst, { tags: { ...mirrorConfig(src, dst).tags, maxAge: { text: '10y', ms: 10 * 365 * 86_400_000 } } });
    const first = await run(mirror, cacheDir);
    const app2 = first.inventory.mirrors[0]?.source.app2?.facts['v2.0.0'];
    assert.equal(app2?.isIndex, true);
    assert.deepEqual(
      app2?.platforms?.map((p) => [p.platform, p.created]),
      [
        ['linux/amd64', '2024-03-01T00:00:00Z'],
        ['linux/arm64', '2024-03-01T00:00:00Z'],
      ],
    );
    assert.equal(first.inventory.mirrors[0]?.source.app1?.facts['v1.1.0']?.platforms?.[0]?.created, '2024-02-10T00:00:00Z');
    // 2 single images + 1 index with 2 children: 5 manifests, 4 config blobs.
    assert.equal(first.calls.getManifest, 5);
    assert.equal(first.calls.getBlobBytes, 4);

    const second = await run(mirror, cacheDir);
    assert.equal(second.calls.getManifest, undefined);
    assert.equal(second.calls.getBlobBytes, undefined);
    assert.equal(second.cache.stats().loaded, 5);
    assert.deepEqual(second.inventory, first.inventory);
  });

  it('two mirrors reading the same images at once read each manifest and config blob once', async () => {
    const tags = { ...mirrorConfig(src, dst).tags, latest: 10 };
    const one = mirrorConfig(src, dst, { tags });
    const two = {
      ...mirrorConfig(src, dst, { tags }),
      name: 'copy',
      destination: { scheme: 'ocidir' as const, path: dst, prefix: 'copy' },
    };
    const calls: Calls = {};
    const cache = await openFactsCache({ dir: null });
    const inventory = await gatherInventory({
      config: { version: 1, file: null, registries: {}, mirrors: [one, two] },
      mirrors: [one, two],
      pool: ocidirPool(calls),
      selection,
      cache,
    });
    assert.equal(inventory.mirrors.length, 2);
    assert.equal(calls.getManifest, 5);
    assert.equal(calls.getBlobBytes, 4);
  });

  it('docker executor: reads only the pulled platform of an index, and the destination config digest', async () => {
    const mirror = mirrorConfig(src, dst, { executor: 'docker', platforms: ['linux/arm64'] });
    const { inventory } = await run(mirror, null);
    const [m] = inventory.mirrors;
    assert.deepEqual(
      m?.source.app2?.facts['v2.0.0']?.platforms?.map((p) => p.platform),
      ['linux/arm64'],
    );
    // v1.0.0 has no linux/arm64 image: the planner skips it, so its destination copy is not read at all.
    assert.deepEqual(m?.destination['mirror/app1']?.facts, {});
    const amd64 = (await run(mirrorConfig(src, dst, { executor: 'docker', platforms: ['linux/amd64'] }), null)).inventory.mirrors[0];
    assert.equal(amd64?.destination['mirror/app1']?.facts['v1.0.0']?.platforms?.length, 1);
  });

  it('a rename error leaves the destination unread for that repository (the planner reports it)', async () => {
    const mirror = mirrorConfig(src, dst, { rename: { kind: 'template', template: 'x/\\3' } });
    const { inventory } = await run(mirror, null);
    assert.deepEqual(inventory.mirrors[0]?.destination, {});
    assert.deepEqual(Object.keys(inventory.mirrors[0]?.source ?? {}).sort(), ['app1', 'app2']);
  });
});

describe('gatherInventory: image config dates', async () => {
  const src = await tempDir();
  const dst = await tempDir();
  const written = {
    offset: '2024-03-05T12:00:00.123456789+02:00',
    space: '2024-03-05 12:00:00',
    prose: 'March 5, 2024',
    'no-day': '2024-02-30T00:00:00Z',
  };
  for (const [tag, created] of Object.entries(written)) await put(src, 'team/dates', tag, created);

  it('keeps an RFC 3339 date with any offset, and reads anything looser as no date (the planner drops it as date-unknown)', async () => {
    // "2024-03-05 12:00:00" would be read in the machine's time zone, and none of the three would pass the
    // plan schema's date-time: the plan file written would not read back.
    const mirror = mirrorConfig(src, dst, {
      tags: { ...mirrorConfig(src, dst).tags, maxAge: { text: '100y', ms: 100 * 365 * 86_400_000 } },
    });
    const cache = await openFactsCache({ dir: null });
    const inventory = await gatherInventory({
      config: { version: 1, file: null, registries: {}, mirrors: [mirror] },
      mirrors: [mirror],
      pool: ocidirPool({}),
      selection,
      cache,
    });
    const facts = inventory.mirrors[0]?.source.dates?.facts ?? {};
    const created = Object.fromEntries(Object.keys(written).map((tag) => [tag, facts[tag]?.platforms?.[0]?.created]));
    assert.deepEqual(created, { offset: written.offset, space: null, prose: null, 'no-day': null });
  });
});

describe('gatherInventory: tags that are names of Object properties', async () => {
  const src = await tempDir();
  const dst = await tempDir();
  const digests = {
    proto: await put(src, 'team/odd', '__proto__', '2024-01-01T00:00:00Z'),
    ctor: await put(src, 'team/odd', 'constructor', '2024-01-02T00:00:00Z'),
    dstProto: await put(dst, 'mirror/odd', '__proto__', '2023-01-01T00:00:00Z'),
    dstToString: await put(dst, 'mirror/odd', 'toString', '2023-01-02T00:00:00Z'),
  };

  it('records __proto__ and constructor as tags of their own (an assignment to __proto__ replaced the prototype)', async () => {
    const mirror = mirrorConfig(src, dst, { prune: true });
    const cache = await openFactsCache({ dir: null });
    const inventory = await gatherInventory({
      config: { version: 1, file: null, registries: {}, mirrors: [mirror] },
      mirrors: [mirror],
      pool: ocidirPool({}),
      selection,
      cache,
    });
    const source = inventory.mirrors[0]?.source.odd?.facts ?? {};
    const destination = inventory.mirrors[0]?.destination['mirror/odd']?.facts ?? {};
    assert.deepEqual(Object.keys(source).sort(), ['__proto__', 'constructor']);
    assert.equal(Object.getOwnPropertyDescriptor(source, 'constructor')?.value?.digest, digests.ctor);
    assert.equal(Object.getOwnPropertyDescriptor(source, '__proto__')?.value?.digest, digests.proto);
    assert.deepEqual(Object.keys(destination).sort(), ['__proto__', 'toString']);
    assert.equal(Object.getOwnPropertyDescriptor(destination, '__proto__')?.value?.digest, digests.dstProto);
    assert.equal(Object.getOwnPropertyDescriptor(destination, 'toString')?.value?.digest, digests.dstToString);
  });
});

describe('gatherInventory: both ends read at once', async () => {
  const src = await tempDir();
  const dst = await tempDir();
  for (const tag of ['v1', 'v2', 'v3']) {
    await put(src, 'team/app', tag, '2024-01-10T00:00:00Z');
    await put(dst, 'mirror/app', tag, '2024-01-10T00:00:00Z');
  }

  it('destination tags are read while source HEADs are still in flight (neither host waits for the other)', async () => {
    const events: string[] = [];
    let destinationStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (destinationStarted = resolve));
    // A source HEAD answers once a destination HEAD has started, or after many turns of the event loop when
    // none does (then the order below fails the test instead of hanging it).
    const slowly = async (): Promise<void> => {
      let turns = 0;
      let open = false;
      void started.then(() => (open = true));
      while (!open && turns++ < 200) await new Promise((resolve) => setImmediate(resolve));
    };
    const inner = ocidirPool({});
    const pool: RegistryPool = {
      ...inner,
      get(scheme, location) {
        const registry = inner.get(scheme, location);
        const side = location === src ? 'source' : 'destination';
        return new Proxy(registry, {
          get(target, property, receiver) {
            const value: unknown = Reflect.get(target, property, receiver);
            if (property !== 'headManifest' || typeof value !== 'function') return value;
            return async (...args: unknown[]) => {
              if (side === 'destination') {
                events.push('destination HEAD');
                destinationStarted();
              } else await slowly();
              const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
              if (side === 'source') events.push('source HEAD done');
              return result;
            };
          },
        });
      },
    };
    const mirror = mirrorConfig(src, dst);
    const inventory = await gatherInventory({
      config: { version: 1, file: null, registries: {}, mirrors: [mirror] },
      mirrors: [mirror],
      pool,
      selection,
      cache: await openFactsCache({ dir: null }),
    });
    assert.deepEqual(Object.keys(inventory.mirrors[0]?.destination['mirror/app']?.facts ?? {}).sort(), ['v1', 'v2', 'v3']);
    assert.ok(
      events.indexOf('destination HEAD') < events.lastIndexOf('source HEAD done'),
      `a destination HEAD started before the source HEADs were all answered: ${events.join(', ')}`,
    );
  });
});
