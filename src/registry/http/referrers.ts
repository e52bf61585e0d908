import type { RegistryReader } from '../types.js';
import { fallbackReferrers, filterReferrers, referrerDescriptors } from '../referrers.js';
import type { ListReferrersOptions, ReferrerDescriptor, ReferrersListing } from '../referrers.js';
import { nextLink } from './link.js';
import { pullScope } from './scopes.js';
import type { Transport } from './transport.js';

/** Answers that mean "this registry has no referrers API": Distribution 2.8 (404), Quay (400), Artifactory (406). */
const NO_API_STATUSES = new Set([400, 404, 406]);
const MAX_LISTING_BYTES = 4 << 20;
/** A registry that keeps handing out next pages is cut off here rather than followed forever. */
const MAX_PAGES = 100;

/**
 * Referrers over HTTP: the OCI 1.1 API, else the fallback tag. Whether the host has the API is learnt from its
 * first answer and remembered for the run (one instance per host client), so a registry without it is probed once.
 */
export class HttpReferrers {
  /** null until the host has answered a referrers request. */
  private hasApi: boolean | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly reader: RegistryReader,
    private readonly onBytes: (bytes: number) => void,
  ) {}

  async list(repository: string, digest: string, options?: ListReferrersOptions): Promise<ReferrersListing> {
    if (this.hasApi !== false) {
      const listed = await this.fromApi(repository, digest, options);
      this.hasApi = listed !== null;
      if (listed !== null) return { referrers: listed, source: 'api' };
    }
    return { referrers: await fallbackReferrers(this.reader, repository, digest, options), source: 'fallback-tag' };
  }

  /** Every page of `GET /v2/<name>/referrers/<digest>`; null when the host answers as one without the API. */
  private async fromApi(repository: string, digest: string, options?: ListReferrersOptions): Promise<ReferrerDescriptor[] | null> {
    const artifactType = options?.artifactType;
    let url: URL | null = new URL(`/v2/${repository}/referrers/${digest}`, this.transport.base);
    if (artifactType !== undefined) url.searchParams.set('artifactType', artifactType);
    const all: ReferrerDescriptor[] = [];
    let filtered = true;
    for (let page = 0; url !== null && page < MAX_PAGES; page += 1) {
      const { response, bytes } = await this.transport.sendAndRead(
        {
          method: 'GET',
          url,
          headers: { accept: 'application/vnd.oci.image.index.v1+json' },
          scopes: [pullScope(repository)],
          repository,
          reference: digest,
          signal: options?.signal,
          accept: (status) => status === 200 || NO_API_STATUSES.has(status),
        },
        MAX_LISTING_BYTES,
      );
      if (NO_API_STATUSES.has(response.status)) return page === 0 ? null : all;
      if (bytes === null) return page === 0 ? null : all;
      this.onBytes(bytes.length);
      const descriptors = referrerDescriptors(bytes);
      // A 200 that is not an image index is a registry routing the path somewhere else: it has no API.
      if (descriptors === null) return page === 0 ? null : all;
      all.push(...descriptors);
      // The registry says which filters it applied; one it did not apply, we apply ourselves.
      const applied = (response.headers.get('oci-filters-applied') ?? '').split(',').map((name) => name.trim());
      if (artifactType !== undefined && !applied.includes('artifactType')) filtered = false;
      url = nextLink(response.headers.get('link'), url);
    }
    return filterReferrers(all, filtered ? undefined : artifactType);
  }
}
