/**
 * The registry layer's one public entry: the Registry interfaces and their optional abilities, the pool that hands
 * out one client per host or directory, the copy, and what a run shares with them. Other layers import this file
 * only (eslint.config.js); everything under http/ and ocidir/ stays inside.
 */
import { storeLocation } from '../oci/index.js';
import type { StoreEndpoint } from '../oci/index.js';
import type { Registry, RegistryPool } from './types.js';

export type {
  BlobStream,
  CallOptions,
  FetchedManifest,
  HostOptions,
  RateLimit,
  RateLimitReached,
  RateLimitSource,
  Registry,
  RegistryPool,
  RegistryReader,
  RequestStats,
} from './types.js';
export { canAnnounceCopy, canDelete, canMount, canNoteTags, canOpenUpload } from './types.js';
export { canListReferrers, fallbackTag } from './referrers.js';
export type { ListReferrersOptions, ReferrerDescriptor, ReferrersLister, ReferrersListing, ReferrersSource } from './referrers.js';
export { createRegistryPool, findHostOptions } from './pool.js';
export type { RegistryPoolOptions } from './pool.js';
export { copyImage } from './copy.js';
export type { CopyImageOptions, CopyImageResult, CopyProgressEvent } from './copy.js';
export { platformChild, selectPlatforms } from './copy-platforms.js';
export { BlobHolders } from './blob-holders.js';
export { CopyShares } from './copy-shares.js';
export { ContentMemo } from './content-memo.js';
export { formatRetryNotice } from './retry-notice.js';
export type { RetryNotice } from './retry-notice.js';
export { createOcidirRegistry } from './ocidir/index.js';
export { ExtraCaCertificates } from './http/extra-ca.js';
export { effectiveTls } from './http/tls.js';

/** The pool's client for an endpoint (a registry host or an ocidir directory): the one endpoint → pool glue. */
export function registryAt(pool: RegistryPool, endpoint: StoreEndpoint): Registry {
  return pool.get(endpoint.scheme, storeLocation(endpoint));
}
