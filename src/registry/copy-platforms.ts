import { RegsyncError } from '../util/errors.js';
import { platformMatches } from '../util/platforms.js';
import { sha256Digest } from './digest.js';
import { platformString } from './manifest.js';
import type { FetchedManifest, IndexEntry } from './types.js';

/** "linux/arm" also selects linux/arm/v7: users name a platform without its variant as often as with. */
function matches(entry: IndexEntry, wanted: string): boolean {
  return entry.platform !== undefined && platformMatches(platformString(entry.platform), wanted);
}

/**
 * Narrows an index to the children of the wanted platforms. When every child is kept the source
 * bytes are returned untouched (same digest); otherwise a new index with the same media type and
 * every other field preserved, which by design has a new digest.
 */
export function selectPlatforms(fetched: FetchedManifest, platforms: string[], reference: string): FetchedManifest {
  const { manifest } = fetched;
  if (manifest.kind !== 'index') return fetched;
  const keep = manifest.manifests.map((entry) => platforms.some((p) => matches(entry, p)));
  if (!keep.includes(true)) {
    const available = manifest.manifests.flatMap((e) => (e.platform ? [platformString(e.platform)] : [])).join(', ');
    throw new RegsyncError(
      `${reference} has none of the platforms ${platforms.join(', ')} (it has ${available || 'no platforms'}): fix platforms in the config`,
      {
        code: 'NOT_FOUND',
        reference,
      },
    );
  }
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
