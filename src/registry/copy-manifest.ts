import type { CallOptions, Registry } from './types.js';

// Distribution 2.8 rewrites a manifest's revision link file in place on every PUT, and a PUT of an
// index reads its children's links: an index PUT racing a repeated PUT of one of its children fails
// with MANIFEST_BLOB_UNKNOWN. So a child that is already there is never PUT again, a child being PUT
// is waited for rather than PUT twice, and tag PUTs of one digest into one repository take turns.
const childrenInFlight = new Map<string, Promise<string>>();
const tagQueues = new Map<string, Promise<unknown>>();

const keyOf = (target: Registry, repository: string, digest: string): string => `${target.name}\u0000${repository}\u0000${digest}`;

/** How a manifest pushed by digest got there. */
export type ChildOutcome = 'present' | 'put' | 'shared';

/** Ensures the manifest `digest` (whose bytes are `bytes`) is in the target repository; returns the stored digest. */
export async function ensureChildManifest(
  target: Registry,
  repository: string,
  digest: string,
  bytes: Buffer,
  mediaType: string,
  options: CallOptions = {},
): Promise<{ digest: string; outcome: ChildOutcome }> {
  const key = keyOf(target, repository, digest);
  const running = childrenInFlight.get(key);
  if (running) return { digest: await running, outcome: 'shared' };
  let outcome: ChildOutcome = 'put';
  const work = (async () => {
    const existing = await target.headManifest(repository, digest, options);
    if (existing?.digest === digest) {
      outcome = 'present';
      return digest;
    }
    return target.putManifest(repository, digest, bytes, mediaType, options);
  })();
  childrenInFlight.set(key, work);
  try {
    return { digest: await work, outcome };
  } finally {
    childrenInFlight.delete(key);
  }
}

/** PUTs a manifest under a tag, one PUT at a time per target repository and digest. */
export async function putTaggedManifest(
  target: Registry,
  repository: string,
  tag: string,
  bytes: Buffer,
  mediaType: string,
  digest: string,
  options: CallOptions = {},
): Promise<string> {
  const key = keyOf(target, repository, digest);
  const previous = tagQueues.get(key) ?? Promise.resolve();
  const put = (): Promise<string> => target.putManifest(repository, tag, bytes, mediaType, options);
  const mine = previous.then(put, put);
  const tail = mine.catch(() => undefined);
  tagQueues.set(key, tail);
  try {
    return await mine;
  } finally {
    if (tagQueues.get(key) === tail) tagQueues.delete(key);
  }
}
