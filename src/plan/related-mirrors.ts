import type { Endpoint, MirrorConfig } from '../config/types.js';

/** The registry host or ocidir directory an endpoint writes to. */
function store(endpoint: Endpoint): string {
  return endpoint.scheme === 'registry' ? `registry ${endpoint.host}` : `ocidir ${endpoint.path}`;
}

/**
 * The mirrors a `--mirror` plan must read: the selected ones, plus every other mirror writing to the same
 * destination registry or directory. Their tags are what prune must not delete by digest and what a
 * collision would overwrite; they are read, not reported.
 */
export function mirrorsToRead(all: readonly MirrorConfig[], selected: readonly MirrorConfig[]): MirrorConfig[] {
  const stores = new Set(selected.map((mirror) => store(mirror.destination)));
  const chosen = new Set(selected.map((mirror) => mirror.name));
  return all.filter((mirror) => chosen.has(mirror.name) || stores.has(store(mirror.destination)));
}
