import { parseStoreEndpoint, registryHostName, selectPlatformChildren } from '../oci/index.js';
import { compareStrings } from '../util/compare.js';
import type { Change, HostRateLimit, Inventory, PlanRateLimit, TagFacts } from './types.js';

/** A change's source host as the registry pool names it (Docker Hub's aliases are one host); null for ocidir. */
export function sourceHost(change: Change): string | null {
  const endpoint = change.source?.endpoint ?? null;
  if (endpoint === null) return null;
  const store = parseStoreEndpoint(endpoint);
  return store.scheme === 'ocidir' ? null : registryHostName(store.host);
}

/** Source tag facts by `mirror \0 full repository \0 tag`, to find what a change copies. */
function sourceFacts(inventory: Inventory): Map<string, TagFacts> {
  const found = new Map<string, TagFacts>();
  for (const mirror of inventory.mirrors) {
    for (const repository of Object.values(mirror.source)) {
      for (const [tag, facts] of Object.entries(repository.facts))
        found.set(`${mirror.mirror}\u0000${repository.repository}\u0000${tag}`, facts);
    }
  }
  return found;
}

/** The children of an index that a registry copy fetches: all of them, or the platform subset it keeps. */
function childrenCopied(change: Change, facts: TagFacts): number {
  const children = facts.children;
  // Not read (cannot happen for a create or update, whose facts the inventory reads): the platforms it shows.
  if (children === undefined) return change.source?.platforms.length ?? 0;
  const wanted = change.copy?.platforms ?? null;
  if (wanted === null) return children.length;
  const selection = selectPlatformChildren(children, wanted);
  if (selection.kind === 'subset') return selection.keep.filter(Boolean).length;
  return selection.kind === 'whole' ? children.length : 0;
}

/**
 * The manifest GETs apply makes at the source for one change (what Docker Hub counts; HEADs are free, so the
 * compare-and-swap checks cost nothing). Registry executor: the tag's manifest, plus each child an index copy
 * fetches (every child, attestations included, or the platform subset kept). Docker executor: `docker pull` of
 * an index fetches the index and the one platform's manifest, of an image just the manifest. Deletes and
 * noops pull nothing. An estimate: a copy that fails and is retried, or a nested index, costs more.
 */
export function manifestPullsOf(change: Change, facts: TagFacts | undefined): number {
  if (change.action !== 'create' && change.action !== 'update') return 0;
  if (facts === undefined || !facts.isIndex) return 1;
  if (change.executor === 'docker') return 2;
  return 1 + childrenCopied(change, facts);
}

/** Manifest GETs applying `changes` makes per source host (ocidir sources count nothing). */
export function manifestPullsNeeded(changes: readonly Change[], inventory: Inventory): Record<string, number> {
  const facts = sourceFacts(inventory);
  const needed: Record<string, number> = {};
  for (const change of changes) {
    const host = sourceHost(change);
    if (host === null || change.source === null) continue;
    const key = `${change.mirror}\u0000${change.source.repository}\u0000${change.source.tag ?? ''}`;
    const pulls = manifestPullsOf(change, facts.get(key));
    if (pulls > 0) needed[host] = (needed[host] ?? 0) + pulls;
  }
  return needed;
}

/** plan.stats.rateLimits: each host that sent rate-limit headers, by name, with what apply needs there. */
export function rateLimitStats(
  limits: Record<string, HostRateLimit>,
  changes: readonly Change[],
  inventory: Inventory,
): Record<string, PlanRateLimit> | undefined {
  const hosts = Object.keys(limits).sort(compareStrings);
  if (hosts.length === 0) return undefined;
  const needed = manifestPullsNeeded(changes, inventory);
  return Object.fromEntries(
    hosts.map((host) => {
      const { limit, remaining, windowSeconds } = limits[host]!;
      return [host, { limit, remaining, windowSeconds, needed: needed[host] ?? 0 }];
    }),
  );
}
