import type { MirrorConfig } from '../config/types.js';
import { endpointBase, repositoryRef } from './refs.js';
import type { MirrorInventory } from './types.js';

/**
 * The problem of a mirror whose source matches no repository in the catalog: most likely a typo in the prefix,
 * or a prefix that names one repository. It is an error, not a warning: "No changes" with exit 0 would hide it.
 * null when repositories.names is given (each name is checked on its own) or the catalog has a match.
 */
export function unmatchedSource(mirror: MirrorConfig, inventory: MirrorInventory): string | null {
  if (mirror.repositories.names !== null || inventory.sourceRepositories.length > 0) return null;
  const prefix = mirror.source.prefix.replace(/^\/+|\/+$/g, '');
  const where = prefix === '' ? endpointBase(mirror.source) : repositoryRef(mirror.source, prefix);
  const count = inventory.catalogSize ?? 0;
  const listed = `the catalog of ${endpointBase(mirror.source)} lists ${count} repositor${count === 1 ? 'y' : 'ies'}`;
  let hint = 'check the source';
  if (prefix !== '') {
    const slash = prefix.lastIndexOf('/');
    const parent = slash < 0 ? endpointBase(mirror.source) : repositoryRef(mirror.source, prefix.slice(0, slash));
    hint = `check the source (to mirror the repository ${prefix} itself, write source: ${parent} with repositories.names: [${prefix.slice(slash + 1)}])`;
  }
  const under = prefix === '' ? '' : `, none under ${prefix}`;
  return `mirror ${mirror.name}: the source ${where} matches no repository (${listed}${under}); ${hint}`;
}
