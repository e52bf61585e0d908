import type { Endpoint, MirrorConfig } from '../config/types.js';
import { ownEntry, setOwnEntry } from '../util/records.js';
import { joinRepositoryPath } from '../util/repository-path.js';
import type { MirrorInventory, RepositoryFacts, TagFacts } from '../plan/types.js';
import { isIndexMediaType } from '../registry/manifest.js';
import type { Registry, RegistryPool } from '../registry/types.js';
import type { ErrorHint } from '../util/errors.js';
import type { FactsCache } from './facts-cache.js';
import type { Failures } from './failures.js';
import { platformMatcher, readPlatformFacts } from './image-facts.js';
import type { PlatformWanted } from './image-facts.js';
import type { InventoryEvent, InventorySelection } from './types.js';

export interface MirrorContext {
  pool: RegistryPool;
  selection: InventorySelection;
  cache: FactsCache;
  failures: Failures;
  onProgress: (event: InventoryEvent) => void;
}

/** Many registries (Docker Hub, GHCR, most clouds) do not offer the catalog, or only to some accounts. */
const catalogHint = (source: Registry): ErrorHint => ({ kind: 'catalog', host: source.name });

export function registryFor(pool: RegistryPool, endpoint: Endpoint): Registry {
  return endpoint.scheme === 'registry' ? pool.get('registry', endpoint.host) : pool.get('ocidir', endpoint.path);
}

/** Catalog entries under the source prefix, relative to it (the prefix itself is not a child). */
export function underPrefix(prefix: string, repositories: string[]): string[] {
  if (prefix === '') return [...repositories].sort();
  const start = `${prefix}/`;
  return repositories
    .filter((repository) => repository.startsWith(start))
    .map((repository) => repository.slice(start.length))
    .sort();
}

/** One destination repository, shared by every source repository the rename maps onto it. */
interface DestinationState {
  facts: RepositoryFacts;
  heads: Map<string, Promise<void>>;
  details: Map<string, Promise<void>>;
}

/**
 * Reads one mirror: source catalog (or names) → selected repositories → their tags → HEAD of the
 * kept tags (+ image facts when filters or the docker executor need them) → the destination
 * repositories' tags → HEAD of the destination tags that matter. Reads only; decides nothing.
 */
export async function gatherMirror(context: MirrorContext, mirror: MirrorConfig): Promise<MirrorInventory> {
  const { selection, failures, cache } = context;
  const source = registryFor(context.pool, mirror.source);
  const destination = registryFor(context.pool, mirror.destination);
  const needsFacts = selection.needsImageFacts(mirror);
  const docker = mirror.executor === 'docker';
  // The docker executor pulls one platform; the registry executor copies the configured subset or all.
  const wanted: PlatformWanted = platformMatcher(docker ? [selection.dockerPlatform(mirror)] : mirror.platforms);
  // Destination content is compared by config digest (docker) or child digests (platform subset).
  const destinationNeedsFacts = docker || mirror.platforms !== null;
  // A destination index is compared child by child with the copied subset: every child counts, so
  // only the docker executor (one platform pulled, one compared) narrows what it reads there.
  const destinationWanted: PlatformWanted = docker ? wanted : null;
  const read = <T>(registry: Registry, repository: string, what: string, task: () => Promise<T>, hint?: ErrorHint): Promise<T> =>
    failures.read({ mirror: mirror.name, host: registry.name, repository, what, ...(hint === undefined ? {} : { hint }) }, task);

  context.onProgress({ kind: 'mirror-start', mirror: mirror.name });
  const catalog =
    mirror.repositories.names === null
      ? await read(source, '', 'list the catalog of', () => source.listRepositories(), catalogHint(source))
      : null;
  const listed = mirror.repositories.names ?? underPrefix(mirror.source.prefix, catalog ?? []);
  const { selected } = selection.selectRepositories(mirror, listed);
  context.onProgress({ kind: 'repositories', mirror: mirror.name, total: selected.length });

  const inventory: MirrorInventory = {
    mirror: mirror.name,
    sourceRepositories: listed,
    catalogSize: catalog?.length ?? null,
    source: {},
    destination: {},
  };
  const destinations = new Map<string, Promise<DestinationState>>();

  const destinationState = (repository: string): Promise<DestinationState> => {
    let state = destinations.get(repository);
    if (state === undefined) {
      state = read(destination, repository, 'list the tags of', () => destination.listTags(repository)).then((tags) => {
        const facts: RepositoryFacts = { repository, exists: tags.length > 0, tags, facts: {} };
        inventory.destination[repository] = facts;
        return { facts, heads: new Map(), details: new Map() };
      });
      destinations.set(repository, state);
    }
    return state;
  };

  const headDestination = (state: DestinationState, tag: string): Promise<void> => {
    let head = state.heads.get(tag);
    if (head === undefined) {
      const repository = state.facts.repository;
      head = read(destination, repository, `read tag ${tag} of`, () => destination.headManifest(repository, tag)).then((descriptor) => {
        if (descriptor)
          setOwnEntry(state.facts.facts, tag, {
            digest: descriptor.digest,
            mediaType: descriptor.mediaType,
            isIndex: isIndexMediaType(descriptor.mediaType),
          });
      });
      state.heads.set(tag, head);
    }
    return head;
  };

  const detailDestination = (state: DestinationState, tag: string): Promise<void> => {
    let detail = state.details.get(tag);
    if (detail === undefined) {
      const repository = state.facts.repository;
      detail = headDestination(state, tag).then(async () => {
        const facts = ownEntry(state.facts.facts, tag);
        if (facts === undefined) return;
        facts.platforms = await read(destination, repository, `read image ${tag} of`, () =>
          readPlatformFacts(destination, repository, facts.digest, destinationWanted, cache),
        );
      });
      state.details.set(tag, detail);
    }
    return detail;
  };

  const readSourceFacts = async (repository: string, tag: string, facts: TagFacts): Promise<void> => {
    facts.platforms = await read(source, repository, `read image ${tag} of`, () =>
      readPlatformFacts(source, repository, facts.digest, wanted, cache),
    );
  };

  const readSourceTag = async (repository: string, tag: string): Promise<[string, TagFacts] | null> => {
    const descriptor = await read(source, repository, `read tag ${tag} of`, () => source.headManifest(repository, tag));
    // Listed a moment ago but gone now: leave it unlooked-at rather than guess.
    if (descriptor === null) return null;
    const facts: TagFacts = { digest: descriptor.digest, mediaType: descriptor.mediaType, isIndex: isIndexMediaType(descriptor.mediaType) };
    if (needsFacts) await readSourceFacts(repository, tag, facts);
    return [tag, facts];
  };

  /**
   * A tag the destination lacks or holds at another digest will be written by apply, so a reviewer should see
   * what it is: read its facts (created, platforms, config digest) too. Up-to-date tags stay at one HEAD each,
   * and the facts cache makes a re-plan of the same images free.
   */
  const describeChangedTags = async (
    repository: string,
    entries: Array<[string, TagFacts]>,
    state: DestinationState | null,
  ): Promise<void> => {
    if (needsFacts) return;
    const unchanged = (tag: string, facts: TagFacts): boolean =>
      state !== null && ownEntry(state.facts.facts, tag)?.digest === facts.digest;
    await Promise.all(
      entries.filter(([tag, facts]) => !unchanged(tag, facts)).map(([tag, facts]) => readSourceFacts(repository, tag, facts)),
    );
  };

  let done = 0;
  let tagCount = 0;
  const gatherRepository = async (relative: string): Promise<void> => {
    // The planner names the same repository with the same function, so facts and plan never disagree on a path.
    const repository = joinRepositoryPath(mirror.source.prefix, relative);
    const tags = await read(source, repository, 'list the tags of', () => source.listTags(repository));
    const { kept } = selection.matchTagNames(mirror, tags);
    const mapped = selection.mapRepository(mirror, relative);
    // The destination is listed while the source tags are read: both only need the repository names.
    const [entries, state] = await Promise.all([
      Promise.all(kept.map((tag) => readSourceTag(repository, tag))),
      'error' in mapped ? Promise.resolve(null) : destinationState(mapped.repository),
    ]);
    const looked = entries.filter((entry): entry is [string, TagFacts] => entry !== null);
    inventory.source[relative] = { repository, exists: tags.length > 0, tags, facts: Object.fromEntries(looked) };
    if (state !== null) {
      const present = new Set(state.facts.tags);
      const keptSet = new Set(kept);
      // Without prune only the destination tags a kept source tag would write matter.
      const toHead = mirror.prune ? state.facts.tags : kept.filter((tag) => present.has(tag));
      await Promise.all(
        toHead.map((tag) => (destinationNeedsFacts && keptSet.has(tag) ? detailDestination(state, tag) : headDestination(state, tag))),
      );
    }
    await describeChangedTags(repository, looked, state);
    done += 1;
    tagCount += kept.length;
    context.onProgress({
      kind: 'repository-done',
      mirror: mirror.name,
      repository: relative,
      done,
      total: selected.length,
      tags: kept.length,
    });
  };

  await Promise.all(selected.map(gatherRepository));
  context.onProgress({ kind: 'mirror-done', mirror: mirror.name, repositories: selected.length, tags: tagCount });
  return inventory;
}
