import type { MirrorConfig } from '../config/types.js';
import { endpointBase, repositoryRef } from './refs.js';
import type { MirrorInventory } from './types.js';

/**
 * The problem of a mirror whose source matches no repository: most likely a typo in the prefix. It is an error,
 * not a warning: "No changes" with exit 0 would hide it. Without a repositories section, the inventory has
 * already read the prefix as a repository and found no tags; with include/exclude it has not, so the hint says how
 * to mirror the prefix itself. null when repositories.names is given (each name is checked on its own) or a
 * repository was found.
 */
export function unmatchedSource(mirror: MirrorConfig, inventory: MirrorInventory): string | null {
  if (mirror.repositories.names !== null || inventory.sourceRepositories.length > 0) return null;
  const prefix = mirror.source.prefix.replace(/^\/+|\/+$/g, '');
  const where = prefix === '' ? endpointBase(mirror.source) : repositoryRef(mirror.source, prefix);
  const intro = `mirror ${mirror.name}: the source ${where} matches no repository`;
  if (inventory.catalogSize === null) {
    return `${intro} (it has no tags, and ${endpointBase(mirror.source)} offers no catalog to list repositories under it); check the source, or name the repositories under repositories.names`;
  }
  const count = inventory.catalogSize;
  const listed = `the catalog of ${endpointBase(mirror.source)} lists ${count} repositor${count === 1 ? 'y' : 'ies'}`;
  if (prefix === '') return `${intro} (${listed}); check the source`;
  const filtered = mirror.repositories.include.length > 0 || mirror.repositories.exclude.length > 0;
  if (!filtered) return `${intro} (${listed}, none under ${prefix}, and ${prefix} itself has no tags); check the source`;
  const slash = prefix.lastIndexOf('/');
  const parent = slash < 0 ? endpointBase(mirror.source) : repositoryRef(mirror.source, prefix.slice(0, slash));
  const hint = `check the source (repositories.include/exclude select repositories under it; to mirror the repository ${prefix} itself, write source: ${parent} with repositories.names: [${prefix.slice(slash + 1)}])`;
  return `${intro} (${listed}, none under ${prefix}); ${hint}`;
}
