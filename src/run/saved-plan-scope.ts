import type { Config, MirrorConfig } from '../config/types.js';
import { currentSourceRepositories, mayBeRepository } from '../inventory/index.js';
import { selectRepositories } from '../plan/filters.js';
import { endpointPlace } from '../plan/refs.js';
import { mapRepository } from '../plan/rename.js';
import type { Change, Plan } from '../plan/types.js';
import { registryAt } from '../registry/index.js';
import type { RegistryPool } from '../registry/index.js';
import { isRegsyncError, RegsyncError } from '../util/errors.js';
import type { PoolEvents, RunContext } from './context.js';

/**
 * The tag deletes of a saved plan that its config alone cannot place: prune's, in a mirror that reads its source
 * repositories from the catalog. config-match (planfile/) checks each against the mirror's destination prefix and
 * filters, but which repositories a catalog holds, and so which destination repositories the mirror manages,
 * only the source registry says (and a rename cannot be inverted). A referrer's delete is tied to one of these.
 */
function catalogPruneDeletes(plan: Plan, config: Config): Map<MirrorConfig, Change[]> {
  const byMirror = new Map<MirrorConfig, Change[]>();
  for (const change of plan.changes) {
    if (change.action !== 'delete' || change.source !== null || change.subject !== undefined) continue;
    const mirror = config.mirrors.find((candidate) => candidate.name === change.mirror);
    if (mirror === undefined || mirror.repositories.names !== null) continue;
    byMirror.set(mirror, [...(byMirror.get(mirror) ?? []), change]);
  }
  return byMirror;
}

/** The source repositories each mirror reads now, listed once per source and prefix (mirrors often share one). */
class SourceListings {
  private readonly listed = new Map<string, Promise<string[]>>();

  constructor(private readonly pool: RegistryPool) {}

  of(mirror: MirrorConfig): Promise<string[]> {
    const key = `${endpointPlace(mirror.source)}\0${String(mayBeRepository(mirror))}`;
    let listing = this.listed.get(key);
    if (listing === undefined) {
      listing = currentSourceRepositories(mirror, registryAt(this.pool, mirror.source));
      this.listed.set(key, listing);
    }
    return listing;
  }
}

/** The destination repositories `mirror` writes to from the source repositories it reads now. */
async function managedNow(mirror: MirrorConfig, listings: SourceListings): Promise<Set<string>> {
  let repositories: string[];
  try {
    repositories = await listings.of(mirror);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RegsyncError(
      `cannot check the deletes of mirror ${mirror.name} in the saved plan: the source repositories at ${endpointPlace(mirror.source)} could not be listed (${reason}); nothing was changed: run apply again once the source answers`,
      {
        code: isRegsyncError(error) ? error.code : 'REGISTRY',
        cause: error,
        ...(isRegsyncError(error) && error.host ? { host: error.host } : {}),
      },
    );
  }
  const managed = new Set<string>();
  for (const relative of selectRepositories(mirror, repositories).selected) {
    const mapped = mapRepository(mirror, relative);
    if ('repository' in mapped) managed.add(mapped.repository);
  }
  return managed;
}

/**
 * Refuses a saved plan whose prune would delete in a destination repository that no source repository the mirror
 * selects maps to now, as the planner derives them: an edited plan file could otherwise delete tags of another
 * mirror's (or nobody's) repository under the same destination prefix. Before any change runs, the source is asked
 * once per source and prefix (its catalog, and the prefix's tags where the prefix may itself be the repository) and
 * its repositories chosen as the inventory chooses them; a repository removed at the source since the plan was made
 * also refuses the plan (plan again). Applying such a plan needs the source's catalog, as making it did.
 */
export async function checkSavedPruneScope(plan: Plan, config: Config, context: RunContext, events: PoolEvents = {}): Promise<void> {
  const deletes = catalogPruneDeletes(plan, config);
  if (deletes.size === 0) return;
  const pool = context.openPool(events);
  const listings = new SourceListings(pool);
  try {
    for (const [mirror, changes] of deletes) {
      const managed = await managedNow(mirror, listings);
      const outside = changes.find((change) => !managed.has(change.target.repository));
      if (outside === undefined) continue;
      const repository = `${outside.target.endpoint}/${outside.target.repository}`;
      throw new RegsyncError(
        `plan file does not match the source registry: change "${outside.id}" deletes ${outside.target.ref}, but no repository that mirror ${mirror.name} selects at ${endpointPlace(mirror.source)} maps to ${repository}: run regsync plan again`,
        { code: 'PLAN_INVALID' },
      );
    }
  } finally {
    await context.closePool(pool);
  }
}
