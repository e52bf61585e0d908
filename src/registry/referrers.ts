import { isDigest } from '../oci/index.js';
import { RegsyncError } from '../util/errors.js';
import type { CallOptions, Descriptor, RegistryReader } from './types.js';

/** A referrer as a listing names it: a manifest whose `subject` is the image, with what kind of artifact it is. */
export interface ReferrerDescriptor extends Descriptor {
  /** null when neither the listing nor the manifest says. */
  artifactType: string | null;
  annotations?: Record<string, string>;
}

/** Where a listing came from: the OCI 1.1 referrers API, or the `sha256-<hex>` fallback tag (or an OCI layout's index.json). */
export type ReferrersSource = 'api' | 'fallback-tag' | 'layout';

export interface ReferrersListing {
  referrers: ReferrerDescriptor[];
  source: ReferrersSource;
}

export interface ListReferrersOptions extends CallOptions {
  /** Only referrers of this artifact type (the API's `artifactType` filter, applied locally when the registry did not). */
  artifactType?: string | undefined;
}

/** Optional ability: list the referrers of a manifest (OCI 1.1 referrers API, or the fallback tag where there is none). */
export interface ReferrersLister {
  listReferrers(repository: string, digest: string, options?: ListReferrersOptions): Promise<ReferrersListing>;
}

export function canListReferrers<T extends RegistryReader>(registry: T): registry is T & ReferrersLister {
  return typeof (registry as Partial<ReferrersLister>).listReferrers === 'function';
}

/** The OCI 1.1 fallback tag of a subject: `sha256:abc…` → `sha256-abc…`. */
export function fallbackTag(digest: string): string {
  if (!isDigest(digest)) throw new RegsyncError(`not a digest: ${digest}`, { code: 'USAGE' });
  return digest.replace(':', '-');
}

/**
 * The descriptors of an image index document (a referrers API answer or a fallback tag's index), kept with their
 * artifactType and annotations; null when the bytes are not an image index at all (a registry answering its
 * referrers route with something else, or a fallback tag pointing at an image).
 */
export function referrerDescriptors(bytes: Buffer): ReferrerDescriptor[] | null {
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return null;
  const { manifests, mediaType } = document as { manifests?: unknown; mediaType?: unknown };
  if (mediaType !== undefined && mediaType !== 'application/vnd.oci.image.index.v1+json') return null;
  if (!Array.isArray(manifests)) return null;
  const out: ReferrerDescriptor[] = [];
  for (const entry of manifests as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const e = entry as Record<string, unknown>;
    if (typeof e.digest !== 'string' || !isDigest(e.digest) || typeof e.mediaType !== 'string' || typeof e.size !== 'number') continue;
    const descriptor: ReferrerDescriptor = {
      mediaType: e.mediaType,
      digest: e.digest,
      size: e.size,
      artifactType: typeof e.artifactType === 'string' ? e.artifactType : null,
    };
    if (typeof e.annotations === 'object' && e.annotations !== null) descriptor.annotations = e.annotations as Record<string, string>;
    out.push(descriptor);
  }
  return out;
}

/** Keeps the referrers of one artifact type (undefined keeps all); deduplicates by digest, first entry wins. */
export function filterReferrers(referrers: ReferrerDescriptor[], artifactType: string | undefined): ReferrerDescriptor[] {
  const seen = new Set<string>();
  return referrers.filter((referrer) => {
    if (seen.has(referrer.digest)) return false;
    seen.add(referrer.digest);
    return artifactType === undefined || referrer.artifactType === artifactType;
  });
}

/**
 * The referrers the `sha256-<hex>` fallback tag lists, validated: the tag must hold an image index (anything else is
 * not a referrers list and lists nothing), and an entry that is one of the subject's own children (an index tagged
 * with the fallback name by accident, or a copy of the image) is not a referrer.
 */
export async function fallbackReferrers(
  reader: RegistryReader,
  repository: string,
  digest: string,
  options?: ListReferrersOptions,
): Promise<ReferrerDescriptor[]> {
  const call = options?.signal === undefined ? undefined : { signal: options.signal };
  const tag = fallbackTag(digest);
  if ((await reader.headManifest(repository, tag, call)) === null) return [];
  const fetched = await reader.getManifest(repository, tag, call);
  if (fetched.manifest.kind !== 'index') return [];
  const listed = referrerDescriptors(fetched.bytes) ?? [];
  if (listed.length === 0) return [];
  const subject = await reader.getManifest(repository, digest, call).catch((error: unknown) => {
    if (error instanceof RegsyncError && error.code === 'NOT_FOUND') return null;
    throw error;
  });
  const children = new Set(subject?.manifest.kind === 'index' ? subject.manifest.manifests.map((child) => child.digest) : []);
  children.add(digest);
  return filterReferrers(
    listed.filter((entry) => !children.has(entry.digest)),
    options?.artifactType,
  );
}
