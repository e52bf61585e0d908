import { CopyShares } from './copy-shares.js';
import type { CallOptions, Registry } from './types.js';

// Distribution 2.8 rewrites a manifest's revision link file in place on every PUT, and a PUT of an
// index reads its children's links: an index PUT racing a repeated PUT of one of its children fails
// with MANIFEST_BLOB_UNKNOWN. So a child that is already there is never PUT again, a child being PUT
// is waited for rather than PUT twice (`shares.children`), and tag PUTs of one digest into one repository
// take turns (`shares.tagPuts`).

/** How a manifest pushed by digest got there. */
export type ChildOutcome = 'present' | 'put' | 'shared';

/** Ensures the manifest `digest` (whose bytes are `bytes`) is in the target repository; returns the stored digest. */
export async function ensureChildManifest(
  shares: CopyShares,
  target: Registry,
  repository: string,
  digest: string,
  bytes: Buffer,
  mediaType: string,
  options: CallOptions = {},
): Promise<{ digest: string; outcome: ChildOutcome }> {
  let outcome: ChildOutcome = 'put';
  const work = shares.children.run(CopyShares.key(target.name, repository, digest), async () => {
    const existing = await target.headManifest(repository, digest, options);
    if (existing?.digest === digest) {
      outcome = 'present';
      return digest;
    }
    return target.putManifest(repository, digest, bytes, mediaType, options);
  });
  return { digest: await work.promise, outcome: work.shared ? 'shared' : outcome };
}

/** PUTs a manifest under a tag, one PUT at a time per target repository and digest. */
export function putTaggedManifest(
  shares: CopyShares,
  target: Registry,
  repository: string,
  tag: string,
  bytes: Buffer,
  mediaType: string,
  digest: string,
  options: CallOptions = {},
): Promise<string> {
  return shares.tagPuts.run(CopyShares.key(target.name, repository, digest), () =>
    target.putManifest(repository, tag, bytes, mediaType, options),
  );
}
