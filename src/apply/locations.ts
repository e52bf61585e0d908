import type { Config, Endpoint, MirrorConfig } from '../config/types.js';
import { endpointBase } from '../plan/refs.js';
import type { Change, ChangeLocation } from '../plan/types.js';
import { storeLocation } from '../oci/index.js';
import { registryAt } from '../registry/index.js';
import type { RegistryPool } from '../registry/index.js';
import { RegsyncError } from '../util/errors.js';
import type { ResolvedLocation } from './types.js';

/** Both ends of a change as clients and repositories; `source` is null for a delete. */
export interface ResolvedChange {
  change: Change;
  source: ResolvedLocation | null;
  target: ResolvedLocation;
}

function resolveEnd(pool: RegistryPool, endpoint: Endpoint, location: ChangeLocation): ResolvedLocation {
  return {
    registry: registryAt(pool, endpoint),
    scheme: endpoint.scheme,
    location: storeLocation(endpoint),
    repository: location.repository,
    tag: location.tag,
  };
}

/**
 * Maps a change's endpoints back to its mirror's config endpoints: the plan stores them as written (relative
 * ocidir paths included), the config knows the absolute directory and the host's settings. A change whose mirror
 * or endpoints the config does not have cannot be carried out with this config.
 */
function mirrorFor(config: Config, change: Change): MirrorConfig {
  const mirror = config.mirrors.find((candidate) => candidate.name === change.mirror);
  const fail = (why: string): never => {
    throw new RegsyncError(`change ${change.id}: ${why}: run regsync plan again`, { code: 'PLAN_STALE', reference: change.target.ref });
  };
  if (mirror === undefined) return fail(`the config has no mirror named "${change.mirror}"`);
  if (endpointBase(mirror.destination) !== change.target.endpoint)
    fail(`its destination ${change.target.endpoint} is not mirror ${mirror.name}'s destination ${endpointBase(mirror.destination)}`);
  if (change.source !== null && endpointBase(mirror.source) !== change.source.endpoint)
    fail(`its source ${change.source.endpoint} is not mirror ${mirror.name}'s source ${endpointBase(mirror.source)}`);
  return mirror;
}

/** Resolves every change before any runs, so a plan the config cannot carry out is refused whole. */
export function resolveChanges(config: Config, pool: RegistryPool, changes: Change[]): ResolvedChange[] {
  return changes.map((change) => {
    const mirror = mirrorFor(config, change);
    return {
      change,
      source: change.source === null ? null : resolveEnd(pool, mirror.source, change.source),
      target: resolveEnd(pool, mirror.destination, change.target),
    };
  });
}
