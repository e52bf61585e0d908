import type { MirrorConfig } from '../config/types.js';
import { isDockerHub } from '../oci/index.js';
import type { RegistryReader } from '../registry/index.js';

/** Catalog entries under the source prefix, relative to it (the prefix itself is not a child). */
export function underPrefix(prefix: string, repositories: string[]): string[] {
  if (prefix === '') return [...repositories].sort();
  const start = `${prefix}/`;
  return repositories
    .filter((repository) => repository.startsWith(start))
    .map((repository) => repository.slice(start.length))
    .sort();
}

/**
 * Whether the source prefix may itself be the one repository to mirror: a registry path with no repositories
 * section (names, include or exclude would each select repositories under it).
 */
export function mayBeRepository(mirror: MirrorConfig): boolean {
  const { source, repositories } = mirror;
  return (
    source.scheme === 'registry' &&
    source.prefix !== '' &&
    repositories.names === null &&
    repositories.include.length === 0 &&
    repositories.exclude.length === 0
  );
}

/** Docker Hub never offers the catalog: asking would only cost a request and an authentication. */
export function asksCatalog(mirror: MirrorConfig): boolean {
  return !(mirror.source.scheme === 'registry' && isDockerHub(mirror.source.host));
}

/**
 * The source repositories of a mirror without names whose catalog was read: the prefix itself ('') when it may be
 * the repository, the catalog lists it or nothing under it, and it has tags; else the catalog's entries under the
 * prefix. The one rule of the inventory (mirror.ts) and of apply's check of a saved plan (currentSourceRepositories).
 */
export async function fromCatalog(mirror: MirrorConfig, catalog: string[], prefixHasTags: () => Promise<boolean>): Promise<string[]> {
  const { prefix } = mirror.source;
  const children = underPrefix(prefix, catalog);
  if (!mayBeRepository(mirror)) return children;
  return (catalog.includes(prefix) || children.length === 0) && (await prefixHasTags()) ? [''] : children;
}

/**
 * The source repositories a mirror without `repositories.names` reads now, relative to its prefix, chosen as the
 * inventory chooses them: read again by apply to confirm that a saved plan's prune deletes lie where the plan could
 * have put them. Without a catalog (Docker Hub, or one that fails) the prefix is the repository when it has tags;
 * otherwise the catalog's error (or the tag list's) is thrown, as the plan would have failed with it.
 */
export async function currentSourceRepositories(mirror: MirrorConfig, source: RegistryReader, signal?: AbortSignal): Promise<string[]> {
  const options = signal === undefined ? {} : { signal };
  const prefixTags = (): Promise<string[]> => source.listTags(mirror.source.prefix, options);
  if (!mayBeRepository(mirror)) return underPrefix(mirror.source.prefix, await source.listRepositories(options));
  let catalog: { value: string[] } | { error: unknown } | null = null;
  if (asksCatalog(mirror)) {
    try {
      catalog = { value: await source.listRepositories(options) };
    } catch (error) {
      catalog = { error };
    }
  }
  if (catalog !== null && 'value' in catalog) return fromCatalog(mirror, catalog.value, async () => (await prefixTags()).length > 0);
  let tags: string[];
  try {
    tags = await prefixTags();
  } catch (error) {
    throw catalog?.error ?? error;
  }
  if (tags.length > 0) return [''];
  if (catalog !== null) throw catalog.error;
  return [];
}
