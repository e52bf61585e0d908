import type { ReferrersSettings } from '../config/types.js';
import type { ReferrerCopy } from '../plan/types.js';
import { canListReferrers } from '../registry/index.js';
import type { RegistryReader } from '../registry/index.js';

/** How many listings a discovery made (API pages or fallback-tag reads), for the plan's `referrers:` footer. */
export interface ReferrerCounter {
  listings: number;
}

/** Subjects whose listing at the source was their `sha256-<hex>` fallback tag (no referrers API there). */
export type FallbackSubjects = Set<string>;

/**
 * Every referrer that travels with an image: those of the image itself, of every child of an index (`children`,
 * the digests the copy carries), and recursively of referrers (an attestation of an SBOM). Each subject is listed
 * once; the result lists a referrer after its subject, so a copy in this order always finds the subject in place.
 */
export async function discoverReferrers(
  reader: RegistryReader,
  repository: string,
  subjects: string[],
  settings: ReferrersSettings,
  counter: ReferrerCounter,
  signal?: AbortSignal,
  viaFallback?: FallbackSubjects,
): Promise<ReferrerCopy[]> {
  if (!canListReferrers(reader)) return [];
  const found: ReferrerCopy[] = [];
  const listed = new Set<string>();
  const queue = [...subjects];
  while (queue.length > 0) {
    const subject = queue.shift()!;
    if (listed.has(subject)) continue;
    listed.add(subject);
    const types = settings.artifactTypes ?? [undefined];
    for (const artifactType of types) {
      counter.listings += 1;
      const listing = await reader.listReferrers(repository, subject, { artifactType, signal });
      if (listing.source === 'fallback-tag') viaFallback?.add(subject);
      for (const referrer of listing.referrers) {
        if (found.some((known) => known.digest === referrer.digest)) continue;
        found.push({
          subject,
          digest: referrer.digest,
          mediaType: referrer.mediaType,
          size: referrer.size,
          artifactType: referrer.artifactType,
        });
        queue.push(referrer.digest);
      }
    }
  }
  return found;
}
