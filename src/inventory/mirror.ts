import type { MirrorConfig } from '../config/types.js';
import { ownEntry, setOwnEntry } from '../util/records.js';
import { joinRepositoryPath } from '../util/repository-path.js';
import type { MirrorInventory, RepositoryFacts, TagFacts } from '../plan/types.js';
import { isDockerHub, isIndexMediaType } from '../oci/index.js';
import { canNoteTags, registryAt } from '../registry/index.js';
import type { RegistryPool, RegistryReader } from '../registry/index.js';
import { isRegsyncError } from '../util/errors.js';
import { mapLimited } from '../util/map-limited.js';
import type { ErrorHint } from '../util/errors.js';
import { RepositoryFailedError } from './failures.js';
import type { Failures, ReadContext } from './failures.js';
import { NO_CHILDREN, platformMatcher, readContentFacts } from './image-facts.js';
import type { FactsSource, PlatformWanted } from './image-facts.js';
import type { InventoryEvent, InventorySelection } from './types.js';
import { asksCatalog, fromCatalog, mayBeRepository } from './source-repositories.js';

export interface MirrorContext {
  pool: RegistryPool;
  selection: InventorySelection;
  /** The facts cache and the reads in flight, both the run's. */
  facts: FactsSource;
  failures: Failures;
  onProgress: (event: InventoryEvent) => void;
}

/**
 * Reads begun at once: repositories of a mirror, and tags of one repository (per kind of read). Enough to keep
 * every host's slots busy; a read is only created when one of these frees, so a plan's memory follows the reads
 * in flight (at most REPOSITORIES_AT_ONCE × TAGS_AT_ONCE per side), not the number of tags.
 */
const REPOSITORIES_AT_ONCE = 16;
const TAGS_AT_ONCE = 32;

/** Many registries (Docker Hub, GHCR, most clouds) do not offer the catalog, or only to some accounts. */
const catalogHint = (source: RegistryReader): ErrorHint => ({ kind: 'catalog', host: source.name });

/** A source tag read: its facts, and whether its content facts were read already. */
interface SourceTag {
  tag: string;
  facts: TagFacts;
  described: boolean;
}

/** One destination repository, shared by every source repository the rename maps onto it. */
interface DestinationState {
  facts: RepositoryFacts;
  heads: Map<string, Promise<void>>;
  details: Map<string, Promise<void>>;
}

/** One mirror being read: its registries, what to read of each side, and the inventory filled in. */
interface MirrorRun {
  context: MirrorContext;
  mirror: MirrorConfig;
  source: RegistryReader;
  destination: RegistryReader;
  /** Filters or the docker executor need every kept source tag's content facts. */
  needsFacts: boolean;
  /** The source children to read: the docker executor's one platform, the configured subset, or all. */
  wanted: PlatformWanted;
  /** Destination content is compared by config digest (docker) or child digests (platform subset). */
  destinationNeedsFacts: boolean;
  /** Docker compares the pulled child's config; the registry executor only the index's list of children. */
  destinationWanted: PlatformWanted;
  inventory: MirrorInventory;
  destinations: Map<string, Promise<DestinationState>>;
  /** The source prefix's tags, when they were listed to learn whether it is a repository: not listed twice. */
  prefixTags: string[] | null;
  progress: { done: number; tags: number; total: number };
}

function startRun(context: MirrorContext, mirror: MirrorConfig): MirrorRun {
  const docker = mirror.executor === 'docker';
  const wanted = platformMatcher(docker ? [context.selection.dockerPlatform(mirror)] : mirror.platforms);
  return {
    context,
    mirror,
    source: registryAt(context.pool, mirror.source),
    destination: registryAt(context.pool, mirror.destination),
    needsFacts: context.selection.needsImageFacts(mirror),
    wanted,
    destinationNeedsFacts: docker || mirror.platforms !== null,
    destinationWanted: docker ? wanted : NO_CHILDREN,
    inventory: { mirror: mirror.name, sourceRepositories: [], catalogSize: null, source: {}, destination: {} },
    destinations: new Map(),
    prefixTags: null,
    progress: { done: 0, tags: 0, total: 0 },
  };
}

/** One read through the shared limiter, recorded with its context when it fails. */
function read<T>(
  run: MirrorRun,
  registry: RegistryReader,
  repository: string,
  what: string,
  task: (signal: AbortSignal) => Promise<T>,
  hint?: ErrorHint,
): Promise<T> {
  const context = { mirror: run.mirror.name, host: registry.name, repository, what, ...(hint === undefined ? {} : { hint }) };
  return run.context.failures.read(context, task);
}

/**
 * One read of a source repository during its gathering: a failure of that repository alone drops it from the plan
 * (Failures.readRepository) instead of failing every mirror.
 */
function readSource<T>(run: MirrorRun, repository: string, what: string, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const context = { mirror: run.mirror.name, host: run.source.name, repository, what };
  return run.context.failures.readRepository(context, task);
}

/**
 * The source repositories, relative to the prefix: the configured names; else the prefix itself (relative path
 * '') when it is a repository, i.e. its tag list answers with at least one tag; else the catalog under the
 * prefix. The prefix's tags are listed when the catalog cannot be read (Docker Hub never offers one), when the
 * catalog lists the prefix itself, or when it lists nothing under it; a prefix that only names a namespace
 * (`team` over team/app1) costs no extra request. When the prefix is a repository, repositories under it are
 * not mirrored: they need a mirror of their own.
 */
async function listSourceRepositories(run: MirrorRun): Promise<void> {
  const { mirror, source, context } = run;
  if (mirror.repositories.names !== null) {
    run.inventory.sourceRepositories = mirror.repositories.names;
    return;
  }
  const prefix = mirror.source.prefix;
  const catalogContext = { mirror: mirror.name, host: source.name, repository: '', what: 'list the catalog of', hint: catalogHint(source) };
  if (!mayBeRepository(mirror)) {
    const catalog = await context.failures.read(catalogContext, (signal) => source.listRepositories({ signal }));
    run.inventory.sourceRepositories = await fromCatalog(mirror, catalog, () => Promise.resolve(false));
    run.inventory.catalogSize = catalog.length;
    return;
  }
  const tagsContext = { mirror: mirror.name, host: source.name, repository: prefix, what: 'list the tags of' };
  const prefixHasTags = async (): Promise<boolean> => {
    run.prefixTags = await context.failures.read(tagsContext, (signal) => source.listTags(prefix, { signal }));
    return run.prefixTags.length > 0;
  };
  const catalog = asksCatalog(mirror) ? await attemptCatalog(run, catalogContext) : null;
  if (catalog === null || 'error' in catalog) {
    // No catalog: the prefix is read as a repository; when it has no tags, the catalog's own error says why.
    const tags = await context.failures.attempt(tagsContext, (signal) => source.listTags(prefix, { signal }));
    if ('value' in tags && tags.value.length > 0) {
      run.prefixTags = tags.value;
      run.inventory.sourceRepositories = [''];
      return;
    }
    if (catalog !== null) context.failures.fail(catalogContext, catalog.error);
    if ('error' in tags) context.failures.fail(tagsContext, tags.error);
    run.inventory.sourceRepositories = [];
    return;
  }
  run.inventory.catalogSize = catalog.value.length;
  run.inventory.sourceRepositories = await fromCatalog(mirror, catalog.value, prefixHasTags);
}

/** The catalog, or the error it failed with, unrecorded: a prefix that is a repository does not need it. */
function attemptCatalog(run: MirrorRun, context: ReadContext): Promise<{ value: string[] } | { error: unknown }> {
  const { source } = run;
  return run.context.failures.attempt(context, (signal) => source.listRepositories({ signal }));
}

/** The one read of `key`: started on first ask, shared by every source repository that asks again. */
function once<T>(started: Map<string, Promise<T>>, key: string, start: () => Promise<T>): Promise<T> {
  let pending = started.get(key);
  if (pending === undefined) {
    pending = start();
    started.set(key, pending);
  }
  return pending;
}

function destinationState(run: MirrorRun, repository: string): Promise<DestinationState> {
  const { destination } = run;
  return once(run.destinations, repository, async () => {
    const tags = await read(run, destination, repository, 'list the tags of', (signal) => destination.listTags(repository, { signal }));
    const facts: RepositoryFacts = { repository, exists: tags.length > 0, tags, facts: {} };
    run.inventory.destination[repository] = facts;
    return { facts, heads: new Map(), details: new Map() };
  });
}

function headDestination(run: MirrorRun, state: DestinationState, tag: string): Promise<void> {
  const { destination } = run;
  const repository = state.facts.repository;
  return once(state.heads, tag, async () => {
    const descriptor = await read(run, destination, repository, `read tag ${tag} of`, (signal) =>
      destination.headManifest(repository, tag, { signal }),
    );
    if (descriptor === null) return;
    const { digest, mediaType } = descriptor;
    setOwnEntry(state.facts.facts, tag, { digest, mediaType, isIndex: isIndexMediaType(mediaType) });
  });
}

function detailDestination(run: MirrorRun, state: DestinationState, tag: string): Promise<void> {
  const { destination } = run;
  const repository = state.facts.repository;
  return once(state.details, tag, async () => {
    await headDestination(run, state, tag);
    const facts = ownEntry(state.facts.facts, tag);
    if (facts === undefined) return;
    const content = await read(run, destination, repository, `read image ${tag} of`, () =>
      readContentFacts(destination, repository, facts.digest, run.destinationWanted, run.context.facts),
    );
    Object.assign(facts, content);
  });
}

async function readSourceFacts(run: MirrorRun, repository: string, tag: string, facts: TagFacts): Promise<void> {
  const { source } = run;
  const content = await readSource(run, repository, `read image ${tag} of`, () =>
    readContentFacts(source, repository, facts.digest, run.wanted, run.context.facts),
  );
  Object.assign(facts, content);
}

async function readSourceTag(run: MirrorRun, repository: string, tag: string): Promise<SourceTag | null> {
  const { source } = run;
  const descriptor = await readSource(run, repository, `read tag ${tag} of`, (signal) => source.headManifest(repository, tag, { signal }));
  // Listed a moment ago but gone now: leave it unlooked-at rather than guess.
  if (descriptor === null) return null;
  const facts: TagFacts = { digest: descriptor.digest, mediaType: descriptor.mediaType, isIndex: isIndexMediaType(descriptor.mediaType) };
  if (run.needsFacts) await readSourceFacts(run, repository, tag, facts);
  return { tag, facts, described: run.needsFacts };
}

/**
 * A tag the destination lacks is copied, so its facts are read anyway: one GET of the manifest by tag gives its
 * digest and media type as well, where a HEAD first would ask for the same manifest twice.
 */
async function fetchSourceTag(run: MirrorRun, repository: string, tag: string): Promise<SourceTag | null> {
  const { source } = run;
  const fetched = await readSource(run, repository, `read tag ${tag} of`, async (signal) => {
    try {
      return await source.getManifest(repository, tag, { signal });
    } catch (error) {
      if (isRegsyncError(error) && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  });
  // Listed a moment ago but gone now: leave it unlooked-at rather than guess.
  if (fetched === null) return null;
  const { digest, mediaType } = fetched.descriptor;
  const facts: TagFacts = { digest, mediaType, isIndex: isIndexMediaType(mediaType) };
  const content = await readSource(run, repository, `read image ${tag} of`, () =>
    readContentFacts(source, repository, digest, run.wanted, run.context.facts, fetched),
  );
  Object.assign(facts, content);
  return { tag, facts, described: true };
}

/**
 * How a kept source tag is read: by GET when the destination's list lacks it (it will be written, so its
 * facts are needed), else by HEAD (an up-to-date tag costs one HEAD). HEAD first all the same where a repeated
 * plan must stay cheap through the facts cache: with date filters most tags are read only to be dropped, run
 * after run, and Docker Hub counts every manifest GET as a pull, a HEAD not.
 */
function sourceTagReader(run: MirrorRun, state: DestinationState | null): (repository: string, tag: string) => Promise<SourceTag | null> {
  const { mirror, context } = run;
  const headFirst =
    state === null ||
    context.selection.needsCreatedDate(mirror) ||
    (mirror.source.scheme === 'registry' && isDockerHub(mirror.source.host));
  if (headFirst) return (repository, tag) => readSourceTag(run, repository, tag);
  const present = new Set(state.facts.tags);
  return (repository, tag) => (present.has(tag) ? readSourceTag(run, repository, tag) : fetchSourceTag(run, repository, tag));
}

/**
 * A tag the destination lacks or holds at another digest will be written by apply, so a reviewer should see
 * what it is: read its facts (created, platforms, config digest) too. Up-to-date tags stay at one HEAD each,
 * and the facts cache makes a re-plan of the same images free.
 */
async function describeChangedTags(
  run: MirrorRun,
  repository: string,
  entries: SourceTag[],
  state: DestinationState | null,
): Promise<void> {
  const { selection } = run.context;
  const unchanged = (tag: string, facts: TagFacts): boolean =>
    state !== null && selection.sameDigest(facts, ownEntry(state.facts.facts, tag) ?? null);
  const changed = entries.filter(({ tag, facts, described }) => !described && !unchanged(tag, facts));
  await mapLimited(changed, TAGS_AT_ONCE, ({ tag, facts }) => readSourceFacts(run, repository, tag, facts));
}

/** HEADs (or, where content is compared, details) the destination's copies of `tags`, those it lists. */
async function readDestinationTags(
  run: MirrorRun,
  state: DestinationState,
  tags: readonly string[],
  kept: ReadonlySet<string>,
): Promise<void> {
  const detailed = (tag: string): boolean => run.destinationNeedsFacts && kept.has(tag);
  await mapLimited(tags, TAGS_AT_ONCE, (tag) => (detailed(tag) ? detailDestination(run, state, tag) : headDestination(run, state, tag)));
}

/** What readLegacyCosignTags needs of one source repository being gathered. */
interface LegacyRead {
  repository: string;
  /** Every tag listed at the source. */
  tags: string[];
  kept: string[];
  /** The kept tags' facts, read: legacy tags read here are added. */
  facts: Record<string, TagFacts>;
  state: DestinationState | null;
  readTag: (repository: string, tag: string) => Promise<SourceTag | null>;
}

/**
 * cosign's legacy tags of the selected tags (sha256-<hex>.sig, .att, .sbom), once the kept tags' digests are known:
 * the tag list already names them and the name filters never keep them as images, so only those that travel are
 * read, at the source and (those it lists) at the destination. A mirror without them reads nothing more.
 */
async function readLegacyCosignTags(run: MirrorRun, read: LegacyRead): Promise<SourceTag[]> {
  const { mirror, context } = run;
  if (!context.selection.carriesLegacyCosignTags(mirror)) return [];
  const selected = context.selection.selectTags(mirror, read.kept, read.facts);
  const legacy = context.selection.legacyCosignTags(mirror, read.tags, selected, read.facts);
  if (legacy.length === 0) return [];
  const unread = legacy.filter((tag) => ownEntry(read.facts, tag) === undefined);
  const present = new Set(read.state?.facts.tags ?? []);
  const destination =
    read.state === null
      ? Promise.resolve()
      : readDestinationTags(
          run,
          read.state,
          legacy.filter((tag) => present.has(tag)),
          new Set(),
        );
  const [entries] = await Promise.all([mapLimited(unread, TAGS_AT_ONCE, (tag) => read.readTag(read.repository, tag)), destination]);
  const looked = entries.filter((entry): entry is SourceTag => entry !== null);
  for (const entry of looked) setOwnEntry(read.facts, entry.tag, entry.facts);
  return looked;
}

/** The tags of a source repository, with the store's notes about them (an OCI layout naming a tag twice). */
function listSourceTags(run: MirrorRun, repository: string): Promise<{ tags: string[]; notes: string[] }> {
  const { source } = run;
  if (repository === run.mirror.source.prefix && run.prefixTags !== null) return Promise.resolve({ tags: run.prefixTags, notes: [] });
  return readSource(run, repository, 'list the tags of', async (signal) =>
    canNoteTags(source) ? source.listTagsWithNotes(repository) : { tags: await source.listTags(repository, { signal }), notes: [] },
  );
}

/** Gathers one source repository; when one of its own reads failed (recorded in Failures), it is left unplanned. */
async function gatherRepository(run: MirrorRun, relative: string): Promise<void> {
  try {
    await gatherRepositoryFacts(run, relative);
  } catch (error) {
    if (!(error instanceof RepositoryFailedError)) throw error;
    delete run.inventory.source[relative];
    (run.inventory.unreadable ??= []).push(relative);
    run.progress.done += 1;
  }
}

async function gatherRepositoryFacts(run: MirrorRun, relative: string): Promise<void> {
  const { mirror, context } = run;
  // The planner names the same repository with the same function, so facts and plan never disagree on a path.
  const repository = joinRepositoryPath(mirror.source.prefix, relative);
  const mapped = context.selection.mapRepository(mirror, relative);
  // Both tag lists at once: which source tags need a GET rather than a HEAD depends on the destination's list.
  const [{ tags, notes }, state] = await Promise.all([
    listSourceTags(run, repository),
    'error' in mapped ? null : destinationState(run, mapped.repository),
  ]);
  const { kept } = context.selection.matchTagNames(mirror, tags);
  const keptSet = new Set(kept);
  const present = new Set(state?.facts.tags ?? []);
  const readTag = sourceTagReader(run, state);
  // Without prune only the destination tags the selection keeps are compared. When that selection depends on the
  // source facts (platforms, dates), the destination is read once they are known; otherwise at once, beside the
  // source, so both hosts stay busy. With prune, every destination tag is read.
  const selectionWaits = !mirror.prune && run.needsFacts;
  const destinationNow = async (): Promise<void> => {
    if (state === null || selectionWaits) return;
    const toHead = mirror.prune ? state.facts.tags : kept.filter((tag) => present.has(tag));
    await readDestinationTags(run, state, toHead, keptSet);
  };
  const [entries] = await Promise.all([mapLimited(kept, TAGS_AT_ONCE, (tag) => readTag(repository, tag)), destinationNow()]);
  const looked = entries.filter((entry): entry is SourceTag => entry !== null);
  const facts = Object.fromEntries(looked.map((entry) => [entry.tag, entry.facts]));
  if (state !== null && selectionWaits) {
    const selected = context.selection.selectTags(mirror, kept, facts).filter((tag) => present.has(tag));
    await readDestinationTags(run, state, selected, keptSet);
  }
  looked.push(...(await readLegacyCosignTags(run, { repository, tags, kept, facts, state, readTag })));
  run.inventory.source[relative] = {
    repository,
    exists: tags.length > 0,
    tags,
    facts,
    ...(notes.length > 0 ? { notes } : {}),
  };
  await describeChangedTags(run, repository, looked, state);
  run.progress.done += 1;
  run.progress.tags += kept.length;
  const { done, total } = run.progress;
  context.onProgress({ kind: 'repository-done', mirror: mirror.name, repository: relative, done, total, tags: kept.length });
}

/**
 * Reads one mirror: source catalog (or names) → selected repositories → their tags → HEAD of the
 * kept tags (+ image facts when filters or the docker executor need them) → the destination
 * repositories' tags → HEAD of the destination tags that matter. Reads only; decides nothing.
 */
export async function gatherMirror(context: MirrorContext, mirror: MirrorConfig): Promise<MirrorInventory> {
  const run = startRun(context, mirror);
  context.onProgress({ kind: 'mirror-start', mirror: mirror.name });
  await listSourceRepositories(run);
  const { selected } = context.selection.selectRepositories(mirror, run.inventory.sourceRepositories);
  run.progress.total = selected.length;
  context.onProgress({ kind: 'repositories', mirror: mirror.name, total: selected.length });
  await mapLimited(selected, REPOSITORIES_AT_ONCE, (relative) => gatherRepository(run, relative));
  context.onProgress({ kind: 'mirror-done', mirror: mirror.name, repositories: selected.length, tags: run.progress.tags });
  return run.inventory;
}
