import { digestLocationRef, locationRef } from '../plan/refs.js';
import type { Change, ChangeLocation, ChangeSource, ChangeTarget, Plan, PlanRateLimit, Skipped } from '../plan/types.js';
import { PLAN_FORMAT_VERSION } from './version.js';

/**
 * The plan file (formatVersion 3) as its own types, apart from the in-memory Plan: a field added to the model
 * reaches the file only when it is added here, to schemas/plan.schema.json and to the golden file
 * (test/fixtures/planfile/plan-v3.json). `regsync plan --json` prints the same document.
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
  /** A referrer's manifest size, as its listing gave it. */
  size?: number;
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
  /** A referrer change (formatVersion 3): the digest it refers to, its artifact type and the id of its image's change. */
  subject?: string;
  artifactType?: string | null;
  referrerOf?: string;
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
    ...(source.size !== undefined ? { size: source.size } : {}),
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
    ...(change.subject !== undefined
      ? {
          subject: change.subject,
          artifactType: change.artifactType ?? null,
          ...(change.referrerOf !== undefined ? { referrerOf: change.referrerOf } : {}),
        }
      : {}),
  };
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
function location(document: LocationDocument, byDigest: string | null): ChangeLocation {
  const { endpoint, repository, tag } = document;
  // A referrer change names both ends by its digest (no tag).
  const ref =
    tag === null && byDigest !== null ? digestLocationRef(endpoint, repository, byDigest) : locationRef(endpoint, repository, tag);
  return { ref, endpoint, repository, tag };
}

function source(document: SourceDocument, byDigest: string | null): ChangeSource {
  const { digest, mediaType, created, configDigest, platforms } = document;
  return {
    ...location(document, byDigest),
    digest,
    mediaType,
    created,
    configDigest,
    platforms: [...platforms],
    ...(typeof document.artifactType === 'string' ? { artifactType: document.artifactType } : {}),
    ...(document.size !== undefined ? { size: document.size } : {}),
  };
}

function target(document: TargetDocument, byDigest: string | null): ChangeTarget {
  return { ...location(document, byDigest), digest: document.digest, configDigest: document.configDigest };
}

/** One change as the in-memory model holds it, refs derived from parts. */
export function changeFromDocument(document: ChangeDocument): Change {
  // A referrer change is named by the digest it copies, or (deleted with its pruned image) the one it deletes.
  const byDigest = document.subject !== undefined ? (document.source?.digest ?? document.target.digest) : null;
  const built: Change = {
    id: document.id,
    mirror: document.mirror,
    action: document.action,
    reason: document.reason,
    executor: document.executor,
    source: document.source === null ? null : source(document.source, byDigest),
    target: target(document.target, byDigest),
  };
  if (document.copy !== undefined) built.copy = { platforms: document.copy.platforms === null ? null : [...document.copy.platforms] };
  if (document.warnings !== undefined && document.warnings.length > 0) built.warnings = [...document.warnings];
  if (document.subject !== undefined) {
    built.subject = document.subject;
    built.artifactType = document.artifactType ?? null;
    if (document.referrerOf !== undefined) built.referrerOf = document.referrerOf;
  }
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
