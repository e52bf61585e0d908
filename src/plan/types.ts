import type { ExecutorName } from '../config/types.js';
import type { PlatformChild } from '../oci/index.js';

/**
 * The Plan model and the Inventory the pure planner reads.
 * The Plan is data: it is rendered, saved, read back and executed as the same objects. The plan file's format
 * (and its version) is src/planfile's: the model can grow without changing the file.
 */

export type Action = 'create' | 'update' | 'delete' | 'noop';
/** `subject`: a legacy cosign tag whose subject is not selected (plan/legacy-cosign.ts). */
export type SkipFilter = 'include' | 'exclude' | 'semver' | 'platform' | 'maxAge' | 'minAge' | 'latest' | 'date-unknown' | 'subject';

/** Why a change has its action; for people only, apply decides from `action` and the digests. */
export type ChangeReason =
  | 'missing-in-destination'
  | 'content-differs'
  | 'up-to-date'
  | 'overwrite-disabled'
  | 'not-in-selection'
  | 'digest-shared-with-kept-tag'
  /** Prune keeps a fallback tag `sha256-<hex>` or a legacy cosign tag while its subject stays (legacy-cosign.ts). */
  | 'referrer-of-kept-tag';

/**
 * One end of a change, parsed: apply reads `endpoint`, `repository` and `tag`, never the display `ref`.
 * `endpoint` is `host[:port]` or `ocidir://PATH` exactly as the config writes it (the mirror's source or destination).
 */
export interface ChangeLocation {
  /** `endpoint/repository:tag`, for people and display. */
  ref: string;
  endpoint: string;
  /** Full repository path at the endpoint (prefix included). */
  repository: string;
  /** null only for a location named by digest alone. */
  tag: string | null;
}

export interface ChangeSource extends ChangeLocation {
  digest: string;
  mediaType: string;
  /** ISO 8601, or null when it was not needed or not readable. */
  created: string | null;
  /** For the docker executor: config digest of the platform pulled; otherwise of a single-platform image; null for an index. */
  configDigest: string | null;
  /** For display: the platforms the copy carries (real platforms only; empty for an artifact). Apply reads `Change.copy`. */
  platforms: string[];
  /** What an artifact is, when its manifest or config says; absent otherwise. */
  artifactType?: string;
  /** The manifest's size, when a listing gave it (a referrer's descriptor); absent otherwise. */
  size?: number;
}

export interface ChangeTarget extends ChangeLocation {
  digest: string | null;
  configDigest: string | null;
}

/** What apply copies for a create or update. */
export interface CopySpec {
  /**
   * null: the whole image byte for byte (the destination digest equals the source digest). A list: the platform
   * subset as the planner resolved it (registry executor with `platforms`: a new index of those children; docker
   * executor: the one platform it pulls).
   */
  platforms: string[] | null;
}

export interface Change {
  /** `${mirror}:${target.ref}` */
  id: string;
  mirror: string;
  action: Action;
  reason: ChangeReason;
  executor: ExecutorName;
  source: ChangeSource | null;
  target: ChangeTarget;
  /** Present exactly for create and update. */
  copy?: CopySpec;
  /** Human-readable warnings, e.g. an index that the docker executor flattens to one platform. */
  warnings?: string[];
  /**
   * Present exactly on a referrer change (a signature, SBOM or attestation copied by digest, `target.tag` null):
   * the digest it refers to (the image, one of its children, or another referrer of the image).
   */
  subject?: string;
  /** A referrer change's artifact type; null when neither its listing nor its manifest says. */
  artifactType?: string | null;
  /**
   * A referrer change: the id of the image change (its tag, created, updated or unchanged) it travels with; for a
   * referrer deleted with its pruned image (plan/prune-referrers.ts), that tag's delete.
   */
  referrerOf?: string;
}

/** A referrer as the fallback index lists it: a manifest whose `subject` is the image, one of its children, or another referrer. */
export interface ReferrerCopy {
  /** The digest it refers to (the image, a child, or a referrer listed before it). */
  subject: string;
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string | null;
}

export interface Skipped {
  mirror: string;
  ref: string;
  filter: SkipFilter;
  detail: string;
}

export interface PlanSummary {
  create: number;
  update: number;
  delete: number;
  noop: number;
  skipped: number;
}

export interface PlanStats {
  requests: number;
  durationMs: number;
  /** Referrer listings the plan made at sources (API pages or fallback-tag reads), when a mirror copies referrers. */
  referrerListings?: number;
  /** Per source host that sent rate-limit headers while planning (Docker Hub): its budget and what apply needs. */
  rateLimits?: Record<string, PlanRateLimit>;
}

/** What a host said about its pull budget (`RateLimit-Limit: 100;w=21600`), and the manifest GETs apply will make there. */
export interface PlanRateLimit {
  /** null when the host sent `RateLimit-Remaining` alone. */
  limit: number | null;
  remaining: number;
  /** The window of the counts (`w=`), in seconds; null when not given. */
  windowSeconds: number | null;
  /** About how many manifest GETs applying the plan makes at this host (see manifestPullsNeeded). */
  needed: number;
}

/** A host's budget as the registry pool recorded it, before the plan adds what apply needs. */
export type HostRateLimit = Omit<PlanRateLimit, 'needed'>;

/** A source repository the inventory could not read: the plan leaves it out, and plan and apply exit 1. */
export interface ReadFailure {
  mirror: string;
  host: string;
  /** Full repository path at the host. */
  repository: string;
  /** One line: what was read and why it failed. */
  error: string;
}

export interface Plan {
  regsyncVersion: string;
  createdAt: string;
  configDigest: string;
  /** Set when the plan covers one shard (`--shard I/N`): the destination repositories hashing to `index`. */
  shard?: { index: number; count: number };
  changes: Change[];
  skipped: Skipped[];
  summary: PlanSummary;
  stats: PlanStats;
  /** Present when some source repositories could not be read (in memory; not written to the plan file). */
  failures?: ReadFailure[];
}

// ---------------------------------------------------------------------------------------------
// Inventory: facts gathered by src/inventory with registry reads only; the planner decides.

/** One platform of an image, content-addressed: never changes for a given manifest digest. */
export interface PlatformFacts {
  /** "os/architecture" or "os/architecture/variant". */
  platform: string;
  manifestDigest: string;
  configDigest: string;
  /** ISO 8601 from the image config, or null when absent or unreadable. */
  created: string | null;
}

/**
 * What a tag points at. The optional fields are present only when the inventory read the manifest (and configs).
 */
export interface TagFacts {
  digest: string;
  mediaType: string;
  /** true for an OCI index or a Docker manifest list. */
  isIndex: boolean;
  /** The images of a real platform it holds: a plain image's own, or an index's children read. Empty for an artifact. */
  platforms?: PlatformFacts[];
  /** An index's children as it lists them (what the platform rule reads). */
  children?: PlatformChild[];
  /** What an artifact is (`artifactType`, else a config media type that is no image config); null when unsaid. */
  artifactType?: string | null;
  /** A plain manifest's config digest. */
  configDigest?: string | null;
  /** Children that could not be read, with why (e.g. `... has no config`): a copy of them will likely fail. */
  unusable?: string[];
}

export interface RepositoryFacts {
  /** Full repository path at the registry (prefix included). */
  repository: string;
  /** false when the repository does not exist (404 on tags/list or no tags). */
  exists: boolean;
  /** Every tag name listed. */
  tags: string[];
  /** Facts for the tags the inventory looked at; a tag missing here was not looked at. */
  facts: Record<string, TagFacts>;
  /** What the store said about how it names the tags (an OCI layout naming one tag twice), for warnings. */
  notes?: string[];
}

export interface MirrorInventory {
  mirror: string;
  /** Repository paths relative to the source prefix, as listed (catalog) or configured (names). */
  sourceRepositories: string[];
  /** How many repositories the source catalog listed in all (before the prefix); null when repositories.names is given. */
  catalogSize: number | null;
  /** Keyed by repository path relative to the source prefix. */
  source: Record<string, RepositoryFacts>;
  /** Keyed by full destination repository path. */
  destination: Record<string, RepositoryFacts>;
  /** Source repositories (relative to the prefix) whose reads failed: not planned, their destinations not pruned. */
  unreadable?: string[];
}

export interface Inventory {
  mirrors: MirrorInventory[];
  /** What could not be read, one entry per source repository; absent when everything was read. */
  failures?: ReadFailure[];
}
