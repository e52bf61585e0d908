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

/**
 * Every source repository a mirror without `repositories.names` may read now, relative to its prefix: the
 * catalog's entries under the prefix, and the prefix itself ('') where it may be the repository. A superset of
 * what the inventory settles on (it asks the prefix's tag list to choose between the two), read again by apply
 * to confirm that a saved plan's prune deletes lie where the plan could have put them. The catalog's error is
 * thrown, unless the prefix itself is all the mirror may read (Docker Hub offers no catalog).
 */
export async function currentSourceRepositories(mirror: MirrorConfig, source: RegistryReader, signal?: AbortSignal): Promise<string[]> {
  const prefixItself = mayBeRepository(mirror) ? [''] : [];
  if (mirror.source.scheme === 'registry' && isDockerHub(mirror.source.host) && prefixItself.length > 0) return prefixItself;
  try {
    const catalog = await source.listRepositories(signal === undefined ? {} : { signal });
    return [...prefixItself, ...underPrefix(mirror.source.prefix, catalog)];
  } catch (error) {
    if (prefixItself.length > 0) return prefixItself;
    throw error;
  }
}
