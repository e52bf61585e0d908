import { locationRef } from '../plan/refs.js';
import type { Change, ChangeLocation, ChangeSource, ChangeTarget, Plan, PlanRateLimit, ReferrerCopy, Skipped } from '../plan/types.js';
import { PLAN_FORMAT_VERSION } from './version.js';

/**
 * The plan file (formatVersion 2) as its own types, apart from the in-memory Plan: a field added to the model
 * reaches the file only when it is added here, to schemas/plan.schema.json and to the golden file
 * (test/fixtures/planfile/plan-v2.json). `regsync plan --json` prints the same document.
 */
interface LocationDocument {
  ref: string;
  endpoint: string;
  repository: string;
  tag: string | null;
}

interface SourceDocument extends LocationDocument {
  digest: string;
  mediaType: string;
  created: string | null;
  configDigest: string | null;
  platforms: string[];
  artifactType?: string | null;
}

interface TargetDocument extends LocationDocument {
  digest: string | null;
  configDigest: string | null;
}

export interface ChangeDocument {
  id: string;
  mirror: string;
  action: Change['action'];
  reason: Change['reason'];
  executor: Change['executor'];
  source: SourceDocument | null;
  target: TargetDocument;
  copy?: { platforms: string[] | null };
  warnings?: string[];
  referrers?: ReferrerCopy[];
}

interface SkippedDocument {
  mirror: string;
  ref: string;
  filter: Skipped['filter'];
  detail: string;
}

interface RateLimitDocument {
  limit: number | null;
  remaining: number;
  windowSeconds: number | null;
  needed: number;
}

/** What schemas/plan.schema.json admits; the reader turns it into a Plan only after the schema says so. */
export interface PlanDocument {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  regsyncVersion: string;
  createdAt: string;
  configDigest: string;
  shard?: { index: number; count: number };
  changes: ChangeDocument[];
  skipped: SkippedDocument[];
  summary: { create: number; update: number; delete: number; noop: number; skipped: number };
  stats: { requests: number; durationMs: number; referrerListings?: number; rateLimits?: Record<string, RateLimitDocument> };
  /** Source repositories the plan could not read; present only when there are some. */
  failures?: ReadFailureDocument[];
}

export interface ReadFailureDocument {
  mirror: string;
  host: string;
  repository: string;
  error: string;
}

function failuresDocument(failures: readonly ReadFailureDocument[]): ReadFailureDocument[] {
  return failures.map((f) => ({ mirror: f.mirror, host: f.host, repository: f.repository, error: f.error }));
}

// ---------------------------------------------------------------------------------------------
// Plan → file. Every key named in file order, whatever order the object was built in: reviewers diff plan files.

function locationDocument(location: ChangeLocation): LocationDocument {
  return { ref: location.ref, endpoint: location.endpoint, repository: location.repository, tag: location.tag };
}

function sourceDocument(source: ChangeSource): SourceDocument {
  return {
    ...locationDocument(source),
    digest: source.digest,
    mediaType: source.mediaType,
    created: source.created,
    configDigest: source.configDigest,
    platforms: source.platforms,
    // Only when known: a plain image's source keeps the fields of formatVersion 2 as issue 4 names them.
    ...(typeof source.artifactType === 'string' ? { artifactType: source.artifactType } : {}),
  };
}

export function changeDocument(change: Change): ChangeDocument {
  const { source, target } = change;
  return {
    id: change.id,
    mirror: change.mirror,
    action: change.action,
    reason: change.reason,
    executor: change.executor,
    source: source === null ? null : sourceDocument(source),
    target: { ...locationDocument(target), digest: target.digest, configDigest: target.configDigest },
    ...(change.copy !== undefined ? { copy: { platforms: change.copy.platforms } } : {}),
    ...(change.warnings !== undefined && change.warnings.length > 0 ? { warnings: change.warnings } : {}),
    ...(change.referrers !== undefined && change.referrers.length > 0 ? { referrers: change.referrers.map(referrerDocument) } : {}),
  };
}

/** A referrer's fields in a fixed order (the file reads the same however the model was built). */
function referrerDocument(referrer: ReferrerCopy): ReferrerCopy {
  const { subject, digest, mediaType, size, artifactType } = referrer;
  return { subject, digest, mediaType, size, artifactType };
}

function rateLimitsDocument(limits: Record<string, PlanRateLimit>): Record<string, RateLimitDocument> {
  return Object.fromEntries(
    Object.keys(limits)
      .sort()
      .map((host) => {
        const { limit, remaining, windowSeconds, needed } = limits[host]!;
        return [host, { limit, remaining, windowSeconds, needed }];
      }),
  );
}

export function toDocument(plan: Plan): PlanDocument {
  const { summary, stats } = plan;
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    regsyncVersion: plan.regsyncVersion,
    createdAt: plan.createdAt,
    configDigest: plan.configDigest,
    ...(plan.shard !== undefined ? { shard: { index: plan.shard.index, count: plan.shard.count } } : {}),
    changes: plan.changes.map(changeDocument),
    skipped: plan.skipped.map((s) => ({ mirror: s.mirror, ref: s.ref, filter: s.filter, detail: s.detail })),
    summary: { create: summary.create, update: summary.update, delete: summary.delete, noop: summary.noop, skipped: summary.skipped },
    stats: {
      requests: stats.requests,
      durationMs: stats.durationMs,
      ...(stats.referrerListings !== undefined ? { referrerListings: stats.referrerListings } : {}),
      ...(stats.rateLimits !== undefined ? { rateLimits: rateLimitsDocument(stats.rateLimits) } : {}),
    },
    ...(plan.failures !== undefined && plan.failures.length > 0 ? { failures: failuresDocument(plan.failures) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// File → Plan, for a document the schema and the structural checks accepted.

/**
 * The display `ref` is derived from the parts apply reads (endpoint, repository, tag), never copied from the file:
 * what the plan and the dry run show is what apply writes. The structural check has already refused a file whose
 * `ref` differs from its parts.
 */
function location(document: LocationDocument): ChangeLocation {
  const { endpoint, repository, tag } = document;
  return { ref: locationRef(endpoint, repository, tag), endpoint, repository, tag };
}

function source(document: SourceDocument): ChangeSource {
  const { digest, mediaType, created, configDigest, platforms } = document;
  return {
    ...location(document),
    digest,
    mediaType,
    created,
    configDigest,
    platforms: [...platforms],
    ...(typeof document.artifactType === 'string' ? { artifactType: document.artifactType } : {}),
  };
}

function target(document: TargetDocument): ChangeTarget {
  return { ...location(document), digest: document.digest, configDigest: document.configDigest };
}

/** One change as the in-memory model holds it, refs derived from parts. */
export function changeFromDocument(document: ChangeDocument): Change {
  const built: Change = {
    id: document.id,
    mirror: document.mirror,
    action: document.action,
    reason: document.reason,
    executor: document.executor,
    source: document.source === null ? null : source(document.source),
    target: target(document.target),
  };
  if (document.copy !== undefined) built.copy = { platforms: document.copy.platforms === null ? null : [...document.copy.platforms] };
  if (document.warnings !== undefined && document.warnings.length > 0) built.warnings = [...document.warnings];
  if (document.referrers !== undefined && document.referrers.length > 0) built.referrers = document.referrers.map(referrerDocument);
  return built;
}

export function fromDocument(document: PlanDocument): Plan {
  const { summary, stats } = document;
  const plan: Plan = {
    regsyncVersion: document.regsyncVersion,
    createdAt: document.createdAt,
    configDigest: document.configDigest,
    changes: document.changes.map(changeFromDocument),
    skipped: document.skipped.map((s) => ({ mirror: s.mirror, ref: s.ref, filter: s.filter, detail: s.detail })),
    summary: { create: summary.create, update: summary.update, delete: summary.delete, noop: summary.noop, skipped: summary.skipped },
    stats: {
      requests: stats.requests,
      durationMs: stats.durationMs,
      ...(stats.referrerListings !== undefined ? { referrerListings: stats.referrerListings } : {}),
      ...(stats.rateLimits !== undefined ? { rateLimits: rateLimitsDocument(stats.rateLimits) } : {}),
    },
  };
  if (document.shard !== undefined) plan.shard = { index: document.shard.index, count: document.shard.count };
  if (document.failures !== undefined && document.failures.length > 0) plan.failures = failuresDocument(document.failures);
  return plan;
}
