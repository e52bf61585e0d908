import type { Change, ReferrerCopy } from '../plan/types.js';
import { canListReferrers, copyImage, fallbackTag } from '../registry/index.js';
import type { BlobHolders, CopyShares, Registry } from '../registry/index.js';
import { RegsyncError } from '../util/errors.js';
import type { ExecutionContext } from './types.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
/** Rounds of read-merge-write-read on a fallback index another writer keeps changing, before giving up. */
const MERGE_ROUNDS = 5;

/**
 * Carries a change's referrers after its subject landed: each referrer byte for byte by digest (a referrer of a
 * referrer after the one it refers to), the `sha256-<hex>` fallback index kept up to date at a destination without
 * the referrers API, then the proof: listed at the destination as a client would, every referrer found at the
 * source must be there (`referrers of <ref>: N/N present`), or the change fails naming the missing digests.
 */
export async function copyReferrers(change: Change, context: ExecutionContext, holders: BlobHolders, shares: CopyShares): Promise<number> {
  const referrers = change.referrers ?? [];
  if (referrers.length === 0) return 0;
  const { source, target, signal } = context;
  let bytes = 0;
  for (const referrer of referrers) {
    const result = await copyImage({
      source: source.registry,
      sourceRepository: source.repository,
      sourceReference: referrer.digest,
      target: target.registry,
      targetRepository: target.repository,
      targetTag: referrer.digest,
      signal,
      holders,
      shares,
    });
    bytes += result.bytesCopied;
  }
  const bySubject = new Map<string, ReferrerCopy[]>();
  for (const referrer of referrers) bySubject.set(referrer.subject, [...(bySubject.get(referrer.subject) ?? []), referrer]);
  const registry = target.registry;
  if (!canListReferrers(registry)) throw new RegsyncError(`${registry.name} cannot list referrers`, { code: 'UNSUPPORTED' });
  // The first listing tells whether the destination has the API (remembered for the run); without it, the fallback tags.
  const [firstSubject] = bySubject.keys();
  const probe = await registry.listReferrers(target.repository, firstSubject!, { signal });
  if (probe.source === 'fallback-tag') {
    for (const [subject, listed] of bySubject) {
      if (await copySourceIndex(context, subject, listed)) continue;
      await mergeFallbackIndex(registry, target.repository, subject, listed, signal);
    }
  }
  const missing: string[] = [];
  for (const [subject, expected] of bySubject) {
    const present = new Set((await registry.listReferrers(target.repository, subject, { signal })).referrers.map((r) => r.digest));
    for (const referrer of expected) if (!present.has(referrer.digest)) missing.push(referrer.digest);
  }
  const ref = change.target.ref;
  context.progress.output(`referrers of ${ref}: ${referrers.length - missing.length}/${referrers.length} present`);
  if (missing.length > 0) {
    throw new RegsyncError(
      `referrers of ${ref}: ${referrers.length - missing.length}/${referrers.length} present after the copy; missing ${missing.join(', ')}`,
      { code: 'REGISTRY', host: registry.name, repository: target.repository },
    );
  }
  return bytes;
}

/**
 * A destination without a fallback index for `subject`, and a source fallback index listing exactly these
 * referrers: its bytes are copied as they are, so the tag reads the same at both ends (and a plan that also copies
 * the tag itself finds it up to date).
 */
async function copySourceIndex(context: ExecutionContext, subject: string, ours: ReferrerCopy[]): Promise<boolean> {
  const { source, target, signal } = context;
  const tag = fallbackTag(subject);
  if ((await readEntries(target.registry, target.repository, tag, signal)).length > 0) return false;
  if ((await source.registry.headManifest(source.repository, tag, { signal })) === null) return false;
  const fetched = await source.registry.getManifest(source.repository, tag, { signal });
  if (fetched.manifest.kind !== 'index') return false;
  const listed = new Set(fetched.manifest.manifests.map((entry) => entry.digest));
  const wanted = new Set(ours.map((referrer) => referrer.digest));
  if (listed.size !== wanted.size || [...listed].some((digest) => !wanted.has(digest))) return false;
  await target.registry.putManifest(target.repository, tag, fetched.bytes, fetched.manifest.mediaType, { signal });
  return true;
}

/**
 * Read-modify-write of a destination's fallback index, as the OCI 1.1 distribution spec asks of clients: entries
 * another writer put there are kept, ours are added, and after the write the index is read back; if another writer
 * replaced it in between (another shard, another tool), the merge is done again, so no entry is lost.
 */
async function mergeFallbackIndex(
  registry: Registry,
  repository: string,
  subject: string,
  ours: ReferrerCopy[],
  signal: AbortSignal,
): Promise<void> {
  const tag = fallbackTag(subject);
  for (let round = 0; round < MERGE_ROUNDS; round += 1) {
    const entries = await readEntries(registry, repository, tag, signal);
    const have = new Set(entries.map((entry) => entry.digest));
    const adding = ours.filter((referrer) => !have.has(referrer.digest));
    if (adding.length === 0) return;
    const merged = [
      ...entries,
      ...adding.map(({ mediaType, digest, size, artifactType }) => ({
        mediaType,
        digest,
        size,
        ...(artifactType === null ? {} : { artifactType }),
      })),
    ];
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: merged }));
    await registry.putManifest(repository, tag, bytes, INDEX, { signal });
  }
  const left = new Set((await readEntries(registry, repository, tag, signal)).map((entry) => entry.digest));
  const lost = ours.filter((referrer) => !left.has(referrer.digest));
  if (lost.length > 0) {
    throw new RegsyncError(
      `${registry.name}/${repository}:${tag} keeps changing under other writers: ${lost.length} referrer(s) not recorded`,
      {
        code: 'REGISTRY',
        host: registry.name,
        repository,
      },
    );
  }
}

/** The fallback index's entries exactly as written (unknown fields kept); [] when the tag is absent or not an index. */
async function readEntries(
  registry: Registry,
  repository: string,
  tag: string,
  signal: AbortSignal,
): Promise<Array<{ digest: string } & Record<string, unknown>>> {
  if ((await registry.headManifest(repository, tag, { signal })) === null) return [];
  const fetched = await registry.getManifest(repository, tag, { signal });
  if (fetched.manifest.kind !== 'index') return [];
  const document = JSON.parse(fetched.bytes.toString('utf8')) as { manifests?: unknown };
  if (!Array.isArray(document.manifests)) return [];
  return (document.manifests as unknown[]).filter(
    (entry): entry is { digest: string } & Record<string, unknown> =>
      typeof entry === 'object' && entry !== null && typeof (entry as { digest?: unknown }).digest === 'string',
  );
}
