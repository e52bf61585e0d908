import { RegsyncError } from '../util/errors.js';
import { platformString, REFERENCE_DIGEST_ANNOTATION, selectPlatformChildren, sha256Digest } from '../oci/index.js';
import type { PlatformChild } from '../oci/index.js';
import type { FetchedManifest, IndexEntry } from './types.js';

/** An index entry as the shared platform rule reads it. */
export function platformChild(entry: IndexEntry): PlatformChild {
  return {
    digest: entry.digest,
    platform: entry.platform ? platformString(entry.platform) : null,
    describes: entry.annotations?.[REFERENCE_DIGEST_ANNOTATION] ?? null,
  };
}

/**
 * Narrows an index to the children of the wanted platforms, by the rule the planner uses (selectPlatformChildren:
 * "linux/arm" also selects linux/arm/v7, attestations follow the child they describe, an index whose children
 * declare no platform is kept whole). When every child is kept the source bytes are returned untouched (same
 * digest); otherwise a new index with the same media type and every other field preserved, which by design has a
 * new digest.
 */
export function selectPlatforms(fetched: FetchedManifest, platforms: string[], reference: string): FetchedManifest {
  const { manifest } = fetched;
  if (manifest.kind !== 'index') return fetched;
  const selection = selectPlatformChildren(manifest.manifests.map(platformChild), platforms);
  if (selection.kind === 'whole') return fetched;
  if (selection.kind === 'none') {
    throw new RegsyncError(
      `${reference} has none of the platforms ${platforms.join(', ')} (it has ${selection.available.join(', ')}): fix platforms in the config`,
      { code: 'NOT_FOUND', reference },
    );
  }
  const { keep } = selection;
  if (keep.every(Boolean)) return fetched;
  const document = JSON.parse(fetched.bytes.toString('utf8')) as { manifests: unknown[] } & Record<string, unknown>;
  document.manifests = document.manifests.filter((_, i) => keep[i]);
  const bytes = Buffer.from(JSON.stringify(document));
  return {
    bytes,
    descriptor: { mediaType: fetched.descriptor.mediaType, digest: sha256Digest(bytes), size: bytes.length },
    manifest: { ...manifest, manifests: manifest.manifests.filter((_, i) => keep[i]) },
  };
}
