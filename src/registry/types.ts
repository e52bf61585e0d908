import type { Readable } from 'node:stream';
import type { CallOptions } from './abort.js';
import type { AttemptBudget } from './attempt-budget.js';

export type { CallOptions } from './abort.js';

/** What getBlob takes besides the signal. */
export interface BlobReadOptions extends CallOptions {
  /**
   * The attempts of the copy this read belongs to: a caller that restarts a broken stream passes one budget to
   * every read, so the registry's own retries and the restarts together stay within one count. Stores that send
   * no requests ignore it.
   */
  budget?: AttemptBudget | undefined;
}

import type { Descriptor, ImageRef, Manifest, TlsMode } from '../oci/index.js';

// The OCI values the Registry interface speaks, re-exported so registry code names them from one place.
export type { Descriptor, ImageIndex, ImageManifest, ImageRef, IndexEntry, Manifest, Platform } from '../oci/index.js';
export { MEDIA_TYPES } from '../oci/index.js';

/** A manifest as fetched: its exact bytes (the digest is their sha256) and the parsed form. */
export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
  manifest: Manifest;
}

export interface BlobStream {
  size: number;
  stream: Readable;
}

/** Requests and bytes a client has moved, for `--verbose` and the plan's `stats`. */
export interface RequestStats {
  requests: number;
  /** key: `${host} ${METHOD}` */
  byHostAndMethod: Record<string, number>;
  bytesDownloaded: number;
  bytesUploaded: number;
  /**
   * Manifest GETs per host as written in the config (what Docker Hub counts against its pull limit; HEADs are
   * free). Absent for stores that do not count them (ocidir).
   */
  manifestGets?: Record<string, number>;
  /** Responses per `${host} ${status}` (HTTP registries only). */
  byHostAndCode?: Record<string, number>;
}

/** A host's pull budget as its last manifest responses told it (`RateLimit-Limit: 100;w=21600`). */
export interface RateLimit {
  /** null when the host sent `RateLimit-Remaining` without `RateLimit-Limit`. */
  limit: number | null;
  remaining: number;
  /** The window the counts apply to (`w=`), in seconds; null when not given. */
  windowSeconds: number | null;
}

/** A host whose pull budget is spent (`RateLimit-Remaining: 0`, or a 429 not retried): when it comes back, if said. */
export interface RateLimitReached {
  /** Epoch milliseconds from Retry-After or RateLimit-Reset; null when the host did not say. */
  retryAt: number | null;
  /** The window of the limit (`w=`), in seconds: the longest the wait can be; null when not given. */
  windowSeconds: number | null;
}

/**
 * What reading a repository store takes: an HTTP registry host or an ocidir directory. The inventory
 * gets only this; apply gets the whole Registry. Every method names the repository explicitly;
 * `reference` is a tag or a digest. Every call takes an optional `{ signal }`: once it fires, the call
 * rejects with an ABORTED RegsyncError and its requests and body streams stop.
 */
export interface RegistryReader {
  /** host[:port] or directory, for messages. */
  readonly name: string;
  ping(options?: CallOptions): Promise<void>;
  /** Every repository, following pagination to the end. */
  listRepositories(options?: CallOptions): Promise<string[]>;
  /** Every tag of a repository, following pagination; [] for an empty or missing repository. */
  listTags(repository: string, options?: CallOptions): Promise<string[]>;
  /** null when the manifest does not exist. Falls back to GET when the registry omits the digest. */
  headManifest(repository: string, reference: string, options?: CallOptions): Promise<Descriptor | null>;
  /** Throws NOT_FOUND when missing; verifies the digest when `reference` is a digest. */
  getManifest(repository: string, reference: string, options?: CallOptions): Promise<FetchedManifest>;
  /** null when missing. */
  headBlob(repository: string, digest: string, options?: CallOptions): Promise<Descriptor | null>;
  /** The stream fails with ABORTED when the signal fires while it flows. */
  getBlob(repository: string, digest: string, options?: BlobReadOptions): Promise<BlobStream>;
  /** Reads a small blob (an image config) fully and verifies its digest. */
  getBlobBytes(repository: string, digest: string, options?: CallOptions): Promise<Buffer>;
  stats(): RequestStats;
}

/** A repository store that can also be written. */
export interface Registry extends RegistryReader {
  /** Returns the digest the registry stored. */
  putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string, options?: CallOptions): Promise<string>;
  /** Streams a blob in, verifying `digest` as it flows. */
  uploadBlob(repository: string, digest: string, size: number, body: Readable, options?: UploadOptions): Promise<void>;
}

/**
 * An upload the registry opened when it declined a mount (202 instead of 201): the blob can be PUT straight into
 * it, so a refused mount plus the upload still costs two requests. Good for one upload into `repository`.
 */
export interface UploadSession {
  readonly repository: string;
  /** Absolute URL of the session, as the registry's Location said. */
  readonly location: string;
}

/** What uploadBlob takes besides the call options. */
export interface UploadOptions extends CallOptions {
  /** Use this open session (from a refused mount) instead of opening one; stores without sessions ignore it. */
  session?: UploadSession | null | undefined;
}

/** A mount's answer: mounted, or declined with the upload session the registry opened instead (if it said where). */
export type MountResult = { mounted: true } | { mounted: false; session: UploadSession | null };

/** Optional ability: copy a blob from another repository of the same registry without moving bytes. */
export interface BlobMounter {
  /** Declined when the registry does not have the blob in `fromRepository` or does not mount; the caller then uploads. */
  mountBlob(repository: string, digest: string, fromRepository: string, options?: CallOptions): Promise<MountResult>;
  /** Throws away a declined mount's session that no upload used (best effort: the registry expires it anyway). */
  cancelUpload(session: UploadSession): Promise<void>;
}

/**
 * Optional ability: open an upload session before the bytes are at hand, so a copy opens it while the source
 * answers its GET (one round trip less per uploaded blob); uploadBlob then PUTs into it.
 */
export interface UploadOpener {
  openUpload(repository: string, options?: CallOptions): Promise<UploadSession>;
}

/** Optional ability: delete a manifest by digest (removes every tag pointing at it). */
export interface ManifestDeleter {
  deleteManifest(repository: string, digest: string, options?: CallOptions): Promise<void>;
}

/**
 * Optional ability: be told, before a copy starts, which repositories it will push to and mount from, so
 * a token registry is asked once for all of it (`repository:dst:pull,push repository:src:pull`) instead
 * of once per widening step (pull to read, then push to upload, then the mount source).
 */
export interface CopyAnnouncer {
  announceCopy(targetRepository: string, mountFromRepository?: string): void;
}

/**
 * Optional ability: list tags with notes about how the store names them, for a reader to warn about (an OCI layout
 * whose index.json names one tag twice, resolved to the first entry).
 */
export interface TagNotes {
  listTagsWithNotes(repository: string): Promise<{ tags: string[]; notes: string[] }>;
}

export function canNoteTags<T extends RegistryReader>(registry: T): registry is T & TagNotes {
  return typeof (registry as Partial<TagNotes>).listTagsWithNotes === 'function';
}

export function canAnnounceCopy(registry: Registry): registry is Registry & CopyAnnouncer {
  return typeof (registry as Partial<CopyAnnouncer>).announceCopy === 'function';
}

export function canMount(registry: Registry): registry is Registry & BlobMounter {
  return typeof (registry as Partial<BlobMounter>).mountBlob === 'function';
}

export function canOpenUpload(registry: Registry): registry is Registry & UploadOpener {
  return typeof (registry as Partial<UploadOpener>).openUpload === 'function';
}

export function canDelete(registry: Registry): registry is Registry & ManifestDeleter {
  return typeof (registry as Partial<ManifestDeleter>).deleteManifest === 'function';
}

/** Per-host client settings; the command layer maps config `registries.<host>` onto these. */
export interface HostOptions {
  username?: string | null;
  password?: string | null;
  credentialHelper?: string | null;
  /** Unset: loopback hosts speak plain HTTP, every other host verified TLS. */
  tls?: TlsMode | null;
  /** Absolute path of an extra CA bundle (PEM) trusted for this host. */
  caFile?: string | null;
  /** Parallel requests to this host; default 8. */
  maxConcurrency?: number;
  /** Milliseconds to wait for response headers and, while a body streams, for its next bytes; default 30 000. */
  timeout?: number;
  /**
   * Where `username`/`password` and `credentialHelper` came from, for "authentication failed" errors: the
   * command layer knows whether a config file or sync.sh-style flags set them. Default: "the host options".
   */
  credentialsSource?: string;
}

/** Hands out one shared client per registry host (or ocidir directory) so limits, tokens and stats are shared. */
export interface RegistryPool {
  /** `location` is host[:port] for scheme 'registry', an absolute directory for 'ocidir'. */
  get(scheme: ImageRef['scheme'], location: string): Registry;
  stats(): RequestStats;
  close(): Promise<void>;
}

/** What the real pool also tells (a separate interface, so test pools built by hand need not fake it). */
export interface RateLimitSource {
  /** Per host (as written) that sent rate-limit headers on a manifest response: what it said, lowest remaining first. */
  rateLimits(): Record<string, RateLimit>;
  /** Whether `location` (a registry host as written) has spent its pull budget in this run; null while it has not. */
  rateLimitReached(location: string): RateLimitReached | null;
}
