import type { MirrorConfig } from '../config/types.js';
import type { ImageReferrerFacts, ReferrerFacts } from '../plan/referrers.js';
import type { Change, ReadFailure } from '../plan/types.js';
import { canListReferrers, fallbackTag, registryAt, selectPlatforms } from '../registry/index.js';
import type { FetchedManifest, RegistryPool } from '../registry/index.js';
import { CancelledError } from '../util/concurrency.js';
import { isRegsyncError, RegsyncError } from '../util/errors.js';
import { failsTheHost } from './failures.js';
import { mapLimited } from '../util/map-limited.js';
import { discoverReferrers } from './referrers.js';
import type { ReferrerCounter } from './referrers.js';

/** Images whose referrers are listed at once (each image's own listings run in turn: a referrer after its subject). */
const REFERRER_CONCURRENCY = 8;

/**
 * For each image the planner named (`referrerImages`: kept tags of mirrors with `referrers`), the facts its
 * referrer changes are made of: the referrers at the source (of the image, of every child it copies, of referrers),
 * and which of them the destination already lists, read as a client reads them (referrers API, else the fallback
 * tag). Presence is a listing rather than a HEAD of each referrer: a manifest that is there but that no listing
 * names is invisible to a verifier, so it is planned again (apply re-lists it and its proof would fail otherwise),
 * and a listing costs one request per subject that has referrers instead of one per referrer.
 *
 * Images are read a few at a time; a failed listing fails its source repository alone (named in the facts'
 * failures, its changes left out of the plan), unless it condemns the whole host (failsTheHost, as for any
 * read). Mirrors without `referrers` are never asked for.
 */
export async function gatherReferrers(
  images: readonly Change[],
  mirrors: readonly MirrorConfig[],
  pool: RegistryPool,
  signal: AbortSignal,
  tagsCopied: TagsCopied = () => false,
): Promise<ReferrerFacts> {
  const byName = new Map(mirrors.filter((mirror) => mirror.referrers !== null).map((mirror) => [mirror.name, mirror]));
  const counter: ReferrerCounter = { listings: 0 };
  const failures = new Map<string, ReadFailure>();
  // Two tags of one image list its referrers once.
  const shared = new Map<string, Promise<Omit<ImageReferrerFacts, 'image'>>>();
  const read = async (image: Change): Promise<ImageReferrerFacts | null> => {
    const mirror = byName.get(image.mirror);
    const source = image.source;
    if (mirror === undefined || source === null) return null;
    const key = [
      image.mirror,
      source.repository,
      source.digest,
      image.target.repository,
      JSON.stringify(image.copy?.platforms ?? null),
    ].join('\0');
    let facts = shared.get(key);
    if (facts === undefined) {
      facts = imageFacts(image, mirror, pool, counter, signal, tagsCopied);
      shared.set(key, facts);
    }
    try {
      return { image: image.id, ...(await facts) };
    } catch (error) {
      if (signal.aborted || error instanceof CancelledError || (isRegsyncError(error) && error.code === 'ABORTED')) throw error;
      const why = error instanceof Error ? error.message : String(error);
      // As for any read: what condemns the host (credentials, TLS, nothing listening) fails the plan.
      if (failsTheHost(error)) {
        throw new RegsyncError(`mirror ${image.mirror}: cannot list the referrers of ${source.ref}: ${why}`, {
          code: isRegsyncError(error) ? error.code : 'REGISTRY',
          cause: error,
          host: source.endpoint,
          repository: source.repository,
        });
      }
      const failure = failures.get(`${image.mirror}\0${source.repository}`);
      if (failure === undefined) {
        failures.set(`${image.mirror}\0${source.repository}`, {
          mirror: image.mirror,
          host: source.endpoint,
          repository: source.repository,
          error: `cannot list the referrers of ${source.ref}: ${why}`,
        });
      }
      return null;
    }
  };
  const found = await mapLimited(images, REFERRER_CONCURRENCY, read);
  return {
    images: found.filter((facts): facts is ImageReferrerFacts => facts !== null),
    listings: counter.listings,
    failures: [...failures.values()],
  };
}

/** Whether the plan copies `tag` as a tag (create, update or noop) into the destination repository `target`. */
export type TagsCopied = (target: { endpoint: string; repository: string }, tag: string) => boolean;

async function imageFacts(
  image: Change,
  mirror: MirrorConfig,
  pool: RegistryPool,
  counter: ReferrerCounter,
  signal: AbortSignal,
  tagsCopied: TagsCopied,
): Promise<Omit<ImageReferrerFacts, 'image'>> {
  const source = image.source!;
  const settings = mirror.referrers!;
  const reader = registryAt(pool, mirror.source);
  const fetched = await reader.getManifest(source.repository, source.digest, { signal });
  let subjects = [source.digest];
  let dropped = 0;
  if (fetched.manifest.kind === 'index') {
    const kept = await keptManifest(image, mirror, pool, fetched, signal);
    if (kept === null || kept.descriptor.digest === source.digest) {
      subjects = [source.digest, ...fetched.manifest.manifests.map((child) => child.digest)];
    } else {
      // A subset is a new index: referrers of the source index name a digest the destination will not have.
      subjects = kept.manifest.kind === 'index' ? kept.manifest.manifests.map((child) => child.digest) : [kept.descriptor.digest];
      dropped = (await discoverReferrers(reader, source.repository, [source.digest], settings, counter, signal)).filter(
        (referrer) => referrer.subject === source.digest,
      ).length;
    }
  }
  const viaFallback = new Set<string>();
  const referrers = await discoverReferrers(reader, source.repository, subjects, settings, counter, signal, viaFallback);
  const fallbackSubjects = [...viaFallback];
  if (referrers.length === 0) return { referrers, present: [], dropped, fallbackSubjects };
  // What the destination lists, for each subject that has referrers at the source.
  const destination = registryAt(pool, mirror.destination);
  const present: string[] = [];
  if (canListReferrers(destination)) {
    for (const subject of new Set(referrers.map((referrer) => referrer.subject))) {
      counter.listings += 1;
      const listing = await destination.listReferrers(image.target.repository, subject, { signal });
      const listed = new Set(listing.referrers.map((referrer) => referrer.digest));
      present.push(...listed);
      // A fallback tag the plan copies as a tag (the source's own, byte for byte) is that tag change's: apply does not
      // merge into it, and proves its referrers by digest. So here too: one it does not list is there when stored.
      const owned = listing.source === 'fallback-tag' && !viaFallback.has(subject) && tagsCopied(image.target, fallbackTag(subject));
      if (!owned) continue;
      for (const referrer of referrers) {
        if (referrer.subject !== subject || listed.has(referrer.digest)) continue;
        counter.listings += 1;
        if ((await destination.headManifest(image.target.repository, referrer.digest, { signal })) !== null) present.push(referrer.digest);
      }
    }
  }
  return { referrers, present, dropped, fallbackSubjects };
}

/**
 * What lands (or landed) under the image's tag when it is not the source index itself: the `platforms` subset a
 * create or update builds from the source bytes, or, for an unchanged image whose destination holds another digest
 * (a subset made by an earlier apply), the destination's own manifest. null: the source index whole.
 */
async function keptManifest(
  image: Change,
  mirror: MirrorConfig,
  pool: RegistryPool,
  fetched: FetchedManifest,
  signal: AbortSignal,
): Promise<FetchedManifest | null> {
  const source = image.source!;
  const platforms = image.copy?.platforms ?? null;
  if (platforms !== null) return selectPlatforms(fetched, platforms, source.ref);
  const landed = image.target.digest;
  if (image.action !== 'noop' || landed === null || landed === source.digest) return null;
  return registryAt(pool, mirror.destination).getManifest(image.target.repository, landed, { signal });
}
