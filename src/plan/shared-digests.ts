import type { MirrorConfig } from '../config/types.js';
import type { Change } from './types.js';

const INDEX_MEDIA_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/**
 * The digests that stay in each destination repository after apply, from every mirror's changes: the current
 * digest of each tag that is not deleted, and the digest a registry copy of a whole image or index lands under.
 */
function keptDigests(changes: Change[], mirrors: ReadonlyMap<string, MirrorConfig>): Map<string, Set<string>> {
  const kept = new Map<string, Set<string>>();
  const keep = (repository: string, digest: string): void => {
    const digests = kept.get(repository) ?? new Set<string>();
    digests.add(digest);
    kept.set(repository, digests);
  };
  for (const change of changes) {
    if (change.action === 'delete') continue;
    const repository = change.target.repository;
    if (change.target.digest !== null) keep(repository, change.target.digest);
    const source = change.source;
    if (source === null || change.executor !== 'registry' || change.action === 'noop') continue;
    const wholeCopy = !INDEX_MEDIA_TYPES.has(source.mediaType) || (mirrors.get(change.mirror)?.platforms ?? null) === null;
    if (wholeCopy) keep(repository, source.digest);
  }
  return kept;
}

/**
 * Registries delete manifests by digest, so a delete takes every tag of that digest with it. Prune already
 * spares digests its own mirror keeps; mirrors can share a destination repository, so this applies the same
 * rule across all of them: a delete whose digest another kept tag points at becomes a reported noop.
 */
export function spareSharedDigests(changes: Change[], mirrors: readonly MirrorConfig[]): Change[] {
  const kept = keptDigests(changes, new Map(mirrors.map((mirror) => [mirror.name, mirror])));
  return changes.map((change) => {
    if (change.action !== 'delete' || change.target.digest === null) return change;
    const repository = change.target.repository;
    if (kept.get(repository)?.has(change.target.digest) !== true) return change;
    return { ...change, action: 'noop', reason: 'digest-shared-with-kept-tag' };
  });
}
