import type { Change, ChangeLocation, Plan, PlanRateLimit, Skipped } from './types.js';

function orderedLocation(location: ChangeLocation): Record<string, unknown> {
  return { ref: location.ref, endpoint: location.endpoint, repository: location.repository, tag: location.tag };
}

/** Fixed key order, whatever order the object was built or parsed in: reviewers diff plan files. */
function orderedChange(change: Change): Record<string, unknown> {
  const { source, target } = change;
  return {
    id: change.id,
    mirror: change.mirror,
    action: change.action,
    reason: change.reason,
    executor: change.executor,
    source:
      source === null
        ? null
        : {
            ...orderedLocation(source),
            digest: source.digest,
            mediaType: source.mediaType,
            created: source.created,
            configDigest: source.configDigest,
            platforms: source.platforms,
            // Only when known: a plain image's source keeps the fields of formatVersion 2 as issue 4 names them.
            ...(typeof source.artifactType === 'string' ? { artifactType: source.artifactType } : {}),
          },
    target: { ...orderedLocation(target), digest: target.digest, configDigest: target.configDigest },
    ...(change.copy !== undefined ? { copy: { platforms: change.copy.platforms } } : {}),
    ...(change.warnings !== undefined && change.warnings.length > 0 ? { warnings: change.warnings } : {}),
  };
}

function orderedSkipped(skipped: Skipped): Record<string, unknown> {
  return { mirror: skipped.mirror, ref: skipped.ref, filter: skipped.filter, detail: skipped.detail };
}

function orderedRateLimits(limits: Record<string, PlanRateLimit>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(limits)
      .sort()
      .map((host) => {
        const { limit, remaining, windowSeconds, needed } = limits[host]!;
        return [host, { limit, remaining, windowSeconds, needed }];
      }),
  );
}

/** The plan JSON: stable key order, 2-space indentation, a final newline. */
export function serializePlan(plan: Plan): string {
  const { summary, stats } = plan;
  const ordered = {
    formatVersion: plan.formatVersion,
    regsyncVersion: plan.regsyncVersion,
    createdAt: plan.createdAt,
    configDigest: plan.configDigest,
    ...(plan.shard !== undefined ? { shard: { index: plan.shard.index, count: plan.shard.count } } : {}),
    changes: plan.changes.map(orderedChange),
    skipped: plan.skipped.map(orderedSkipped),
    summary: { create: summary.create, update: summary.update, delete: summary.delete, noop: summary.noop, skipped: summary.skipped },
    stats: {
      requests: stats.requests,
      durationMs: stats.durationMs,
      ...(stats.rateLimits !== undefined ? { rateLimits: orderedRateLimits(stats.rateLimits) } : {}),
    },
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
