import type { MirrorConfig } from '../config/types.js';
import { endpointBase, repositoryRef } from './refs.js';
import type { Inventory } from './types.js';

/**
 * Warnings about a mirror that plans nothing for a reason the user most likely did not intend: a source
 * catalog with no repository under the mirror's prefix (a typo, or a prefix that names one repository).
 * "No changes. The destination is up to date." alone would hide it.
 */
export function mirrorWarnings(mirrors: readonly MirrorConfig[], inventory: Inventory): string[] {
  const warnings: string[] = [];
  for (const mirror of mirrors) {
    if (mirror.repositories.names !== null) continue;
    const listed = inventory.mirrors.find((m) => m.mirror === mirror.name);
    if (listed === undefined || listed.sourceRepositories.length > 0) continue;
    const prefix = mirror.source.prefix.replace(/^\/+|\/+$/g, '');
    const where = prefix === '' ? endpointBase(mirror.source) : repositoryRef(mirror.source, prefix);
    let hint = 'check the source';
    if (prefix !== '') {
      const slash = prefix.lastIndexOf('/');
      const parent = slash < 0 ? endpointBase(mirror.source) : repositoryRef(mirror.source, prefix.slice(0, slash));
      hint = `check the source (to mirror the repository ${prefix} itself, write source: ${parent} with repositories.names: [${prefix.slice(slash + 1)}])`;
    }
    warnings.push(`mirror ${mirror.name}: the source catalog has no repository under ${where}, so this mirror plans nothing; ${hint}`);
  }
  return warnings;
}
