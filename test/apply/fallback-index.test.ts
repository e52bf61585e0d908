import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { maintainFallbackIndexes, mergeFallbackIndex } from '../../src/apply/fallback-index.js';
import { tagsCopiedIn } from '../../src/plan/referrers.js';
import { SETTLE_CAP_MS, SETTLE_FLOOR_MS, settleDelay } from '../../src/apply/fallback-settle.js';
import type { ExecutionContext } from '../../src/apply/types.js';
import type { Change, ReferrerCopy } from '../../src/plan/types.js';
import { createOcidirRegistry } from '../../src/registry/index.js';
import type { Registry } from '../../src/registry/index.js';
import { MEDIA_TYPES } from '../../src/registry/types.js';
import { blob, desc, imageManifest, json, tagged, writeLayout } from '../registry/ocidir-fixtures.js';
import type { FixtureBlob } from '../registry/ocidir-fixtures.js';
import { makeTempDir } from '../harness/temp.js';

// Issue 16: the destination's `sha256-<hex>` fallback index loses no entry to a concurrent writer. Registries have
// no conditional manifest write, so another writer that read the index before our write can write its stale merge
// after it. These tests drive that interleaving on a real OCI layout (the ocidir registry), wrapped so that the
// other writer's stale write lands after ours and after an immediate read-back, but within one read-modify-write
// of it (well before the settle's floor): the read-back after the settle must see it and merge again.

const REPO = 'team/app';
const EMPTY = blob('{}');
const SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';
/** How long after our write the other writer's stale write lands: a read-modify-write, far below the settle floor. */
const OTHER_WRITER_LAG_MS = 60;

interface Artifact {
  manifest: FixtureBlob & { mediaType: string };
  payload: FixtureBlob;
  copy: ReferrerCopy;
}

function artifact(subject: FixtureBlob & { mediaType: string }, content: string): Artifact {
  const payload = blob(content);
  const manifest = {
    ...json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType: SIG,
      config: desc(EMPTY, 'application/vnd.oci.empty.v1+json'),
      layers: [desc(payload, 'application/octet-stream')],
      subject: desc(subject, subject.mediaType),
    }),
    mediaType: MEDIA_TYPES.ociManifest,
  };
  const copy = { subject: subject.digest, digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.size, artifactType: SIG };
  return { manifest, payload, copy };
}

const indexOf = (entries: Artifact[]): FixtureBlob =>
  json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: entries.map((entry) => desc(entry.manifest, MEDIA_TYPES.ociManifest, { artifactType: SIG })),
  });

/** A layout with `subjects` images (tagged v0, v1, ...), their signatures, and fallback tags listing `listed`. */
async function layout(subjects: number, listed: (images: Array<FixtureBlob & { mediaType: string }>) => Map<string, Artifact[]>) {
  const root = await makeTempDir('fallback-index');
  const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const images = Array.from({ length: subjects }, (_, n) => imageManifest(config, [blob(`layer-${n}`)]));
  const signatures = images.map((image, n) => ['x', 'a', 'b'].map((name) => artifact(image, `${name}-${n}`)));
  const indexes = [...listed(images)].map(([subject, entries]) => ({ subject, index: indexOf(entries) }));
  const blobs = [
    config,
    EMPTY,
    ...images.flatMap((image, n) => [image, blob(`layer-${n}`)]),
    ...signatures.flat().flatMap((signature) => [signature.manifest, signature.payload]),
    ...indexes.map((entry) => entry.index),
  ];
  await writeLayout(root, REPO, blobs, {
    schemaVersion: 2,
    manifests: [
      ...images.map((image, n) => tagged(image, MEDIA_TYPES.ociManifest, `v${n}`)),
      ...indexes.map((entry) => tagged(entry.index, MEDIA_TYPES.ociIndex, entry.subject.replace(':', '-'))),
    ],
  });
  return { root, images, signatures };
}

/**
 * The ocidir registry, wrapped: every fallback-tag read and write is logged, and the first write of a fallback tag
 * arms the other writer, which read the index before that write (`stale`) and writes it back with its own entry
 * once we have read the index back, or OTHER_WRITER_LAG_MS after our write, whichever comes first.
 */
function racing(inner: Registry, stale: (tag: string) => Buffer | null) {
  const log: string[] = [];
  const landed: Array<Promise<void>> = [];
  const armed = new Map<string, () => Promise<void>>();
  const fire = (tag: string): Promise<void> => {
    const write = armed.get(tag);
    armed.delete(tag);
    return write === undefined ? Promise.resolve() : write();
  };
  const registry = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'getManifest') {
        return async (repository: string, reference: string, options?: { signal?: AbortSignal }) => {
          const fetched = await target.getManifest(repository, reference, options);
          if (reference.startsWith('sha256-')) {
            log.push(`read ${reference.slice(0, 15)}`);
            await fire(reference);
          }
          return fetched;
        };
      }
      if (property === 'putManifest') {
        return async (repository: string, reference: string, bytes: Buffer, mediaType: string, options?: { signal?: AbortSignal }) => {
          const before = reference.startsWith('sha256-') && landed.length === 0 ? stale(reference) : null;
          const digest = await target.putManifest(repository, reference, bytes, mediaType, options);
          if (reference.startsWith('sha256-')) log.push(`write ${reference.slice(0, 15)}`);
          if (before !== null && !armed.has(reference)) {
            let done: () => void = () => undefined;
            landed.push(new Promise<void>((resolve) => (done = resolve)));
            armed.set(reference, async () => {
              await target.putManifest(repository, reference, before, MEDIA_TYPES.ociIndex);
              log.push(`other writer ${reference.slice(0, 15)}`);
              done();
            });
            void sleep(OTHER_WRITER_LAG_MS).then(() => fire(reference));
          }
          return digest;
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return { registry, log, landed: () => Promise.all(landed) };
}

async function listed(registry: Registry, subject: string): Promise<string[]> {
  const fetched = await registry.getManifest(REPO, subject.replace(':', '-'));
  return fetched.manifest.kind === 'index' ? fetched.manifest.manifests.map((entry) => entry.digest).sort() : [];
}

function context(source: Registry, target: Registry, tagsCopied?: Set<string>): ExecutionContext {
  const end = (registry: Registry) => ({ registry, scheme: 'ocidir' as const, location: registry.name, repository: REPO, tag: 'v0' });
  return {
    signal: new AbortController().signal,
    progress: { output: () => undefined, bytes: () => undefined, warning: () => undefined },
    source: end(source),
    target: end(target),
    ...(tagsCopied ? { tagsCopied } : {}),
  };
}

test('merge: a stale write landing after our write and read-back is seen after the settle and merged again', async () => {
  // The index lists x; the other writer read [x] before our write and writes [x, b] after it.
  const { root, images, signatures } = await layout(1, (images) => new Map([[images[0]!.digest, [signatures0(images)[0]!]]]));
  const [x, a, b] = signatures[0]!;
  const inner = createOcidirRegistry(root);
  const race = racing(inner, () => indexOf([x!, b!]).bytes);
  await mergeFallbackIndex(race.registry, REPO, images[0]!.digest, [a!.copy], new AbortController().signal);
  await race.landed();
  assert.ok(race.log.includes(`other writer sha256-${images[0]!.digest.slice(7, 15)}`), race.log.join(', '));
  assert.deepEqual(await listed(inner, images[0]!.digest), [x!, a!, b!].map((s) => s.manifest.digest).sort());
});

test('copy of the source index into an empty destination: a stale write from another writer does not lose ours', async () => {
  // The source lists exactly a; the destination has none; the other writer saw none and writes [b].
  const source = await layout(1, (images) => new Map([[images[0]!.digest, [signatures0(images)[1]!]]]));
  const destination = await layout(1, () => new Map());
  const [, a, b] = destination.signatures[0]!;
  const inner = createOcidirRegistry(destination.root);
  const race = racing(inner, () => indexOf([b!]).bytes);
  const subject = source.images[0]!.digest;
  // The source is read only by the copy of its index (a merge never reads it): its log shows that path ran.
  const sourceReads = racing(createOcidirRegistry(source.root), () => null);
  const owned = await maintainFallbackIndexes(context(sourceReads.registry, race.registry), new Map([[subject, [a!.copy]]]));
  assert.deepEqual([...owned], []);
  assert.deepEqual(sourceReads.log, [`read ${subject.replace(':', '-').slice(0, 15)}`]);
  await race.landed();
  assert.deepEqual(await listed(inner, destination.images[0]!.digest), [a!, b!].map((s) => s.manifest.digest).sort());
});

test("one change's subjects are written first and settle together: no settle per subject one after the other", async () => {
  const { root, images, signatures } = await layout(3, () => new Map());
  const inner = createOcidirRegistry(root);
  const race = racing(inner, () => null);
  const bySubject = new Map(images.map((image, n) => [image.digest, [signatures[n]![1]!.copy]]));
  const owned = await maintainFallbackIndexes(context(inner, race.registry), bySubject);
  assert.deepEqual([...owned], []);
  const writes = race.log.filter((line) => line.startsWith('write'));
  assert.equal(writes.length, 3);
  // Every write comes before the first read-back (a read before a write is the merge's own read).
  const lastWrite = race.log.lastIndexOf(writes.at(-1)!);
  const readBacks = race.log.slice(lastWrite + 1);
  assert.equal(readBacks.length, 3, race.log.join(', '));
  assert.ok(readBacks.every((line) => line.startsWith('read')));
  for (const [n, image] of images.entries()) assert.deepEqual(await listed(inner, image.digest), [signatures[n]![1]!.manifest.digest]);
});

test('nothing to add: one read, no write, no read-back; a fallback tag the plan copies as a tag is not touched', async () => {
  const { root, images, signatures } = await layout(2, (images) => new Map([[images[0]!.digest, [signatures0(images)[1]!]]]));
  const inner = createOcidirRegistry(root);
  const race = racing(inner, () => null);
  const tags = new Set([images[1]!.digest.replace(':', '-')]);
  const bySubject = new Map([
    [images[0]!.digest, [signatures[0]![1]!.copy]],
    [images[1]!.digest, [signatures[1]![1]!.copy, signatures[1]![2]!.copy]],
  ]);
  const owned = await maintainFallbackIndexes(context(inner, race.registry, tags), bySubject);
  assert.deepEqual([...owned], [images[1]!.digest]);
  assert.deepEqual(race.log, [`read sha256-${images[0]!.digest.slice(7, 15)}`]);
  assert.equal(await inner.headManifest(REPO, images[1]!.digest.replace(':', '-')), null);
});

test('the tags a plan copies, by target repository: create, update and noop count, a delete does not', () => {
  const change = (action: Change['action'], repository: string, tag: string | null): Change =>
    ({ action, target: { endpoint: 'reg:5000', repository, tag } }) as Change;
  const copied = tagsCopiedIn({
    changes: [
      change('create', 'mirror/app', 'sha256-aa'),
      change('noop', 'mirror/app', 'v1'),
      change('update', 'mirror/app', 'v2'),
      change('delete', 'mirror/app', 'sha256-bb'),
      change('create', 'mirror/other', 'sha256-cc'),
      change('create', 'mirror/app', null),
    ],
  });
  const tagsOf = (repository: string): string[] =>
    ['sha256-aa', 'v1', 'v2', 'sha256-bb', 'sha256-cc'].filter((tag) => copied({ endpoint: 'reg:5000', repository }, tag));
  assert.deepEqual(tagsOf('mirror/app').sort(), ['sha256-aa', 'v1', 'v2']);
  assert.deepEqual(tagsOf('mirror/other'), ['sha256-cc']);
});

test('settle: at least the floor, four times the slowest read-modify-write, longer each round, jittered, capped', () => {
  assert.equal(
    settleDelay(0, 0, () => 0),
    SETTLE_FLOOR_MS,
  );
  assert.equal(
    settleDelay(10, 0, () => 0),
    SETTLE_FLOOR_MS,
  );
  assert.equal(
    settleDelay(200, 0, () => 0),
    800,
  );
  assert.equal(
    settleDelay(200, 2, () => 0),
    1600,
  );
  assert.equal(
    settleDelay(200, 0, () => 0.999),
    Math.round(800 * 1.4995),
  );
  assert.equal(
    settleDelay(60_000, 0, () => 0),
    SETTLE_CAP_MS,
  );
  // The other writer in the tests above lands well inside the floor.
  assert.ok(OTHER_WRITER_LAG_MS * 3 < SETTLE_FLOOR_MS);
});

/** The first image's signatures, for a layout's `listed` callback (signatures are built from the images). */
function signatures0(images: Array<FixtureBlob & { mediaType: string }>): Artifact[] {
  return ['x', 'a', 'b'].map((name) => artifact(images[0]!, `${name}-0`));
}
