import type { ReferrerCopy } from '../plan/types.js';
import { fallbackTag } from '../registry/index.js';
import type { Registry } from '../registry/index.js';
import { RegsyncError } from '../util/errors.js';
import type { ExecutionContext } from './types.js';

/**
 * The `sha256-<hex>` fallback index at a destination without the OCI 1.1 referrers API: copied from the source
 * when it lists exactly our referrers, else merged (read, add ours, write, read back).
 */

const INDEX = 'application/vnd.oci.image.index.v1+json';
/** Rounds of read-merge-write-read on a fallback index another writer keeps changing, before giving up. */
const MERGE_ROUNDS = 5;

/**
 * A destination without a fallback index for `subject`, and a source fallback index listing exactly these
 * referrers: its bytes are copied as they are, so the tag reads the same at both ends (and a plan that also copies
 * the tag itself finds it up to date).
 */
export async function copySourceIndex(context: ExecutionContext, subject: string, ours: ReferrerCopy[]): Promise<boolean> {
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
export async function mergeFallbackIndex(
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
