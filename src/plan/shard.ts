import { createHash } from 'node:crypto';
import type { MirrorConfig } from '../config/types.js';
import { endpointBase, sourceRepositoryPath } from './refs.js';
import { mapRepository } from './rename.js';

/** One worker's part of the work: repositories whose stable hash modulo `count` is `index`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `I/N` (0 <= I < N, as Kubernetes' JOB_COMPLETION_INDEX counts); null with the reason otherwise. */
export function parseShard(text: string): Shard | { error: string } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const error = `--shard ${JSON.stringify(text)} must be I/N with 0 <= I < N (for example 0/3)`;
  if (match === null) return { error };
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index >= count) return { error };
  return { index, count };
}

/**
 * The shard a destination repository belongs to. sha256 rather than a cheaper hash so every worker, machine and
 * version agrees; the key is the endpoint as the config writes it plus the full repository path.
 */
export function shardOfRepository(endpoint: string, repository: string, count: number): number {
  const digest = createHash('sha256').update(`${endpoint}/${repository}`).digest();
  return digest.readUInt32BE(0) % count;
}

export function inShard(shard: Shard | null, endpoint: string, repository: string): boolean {
  return shard === null || shard.count === 1 || shardOfRepository(endpoint, repository, shard.count) === shard.index;
}

/**
 * Whether a shard plans a source repository (relative to the mirror's source prefix): the shard that owns its
 * destination repository. One whose rename fails is owned by the shard of its source path, so its problem is
 * reported exactly once across the shards.
 */
export function ownsSourceRepository(shard: Shard | null, mirror: MirrorConfig, relative: string): boolean {
  if (shard === null || shard.count === 1) return true;
  const mapped = mapRepository(mirror, relative);
  if ('error' in mapped) return inShard(shard, endpointBase(mirror.source), sourceRepositoryPath(mirror.source, relative));
  return inShard(shard, endpointBase(mirror.destination), mapped.repository);
}

/**
 * A saved, unsharded plan cut to one shard (`apply plan.json --shard I/N`): its changes whose destination
 * repository falls in the shard. Skipped entries name no destination and stay with every shard, for display.
 */
export function changesInShard<T extends { target: { endpoint: string; repository: string } }>(changes: T[], shard: Shard): T[] {
  return changes.filter((change) => inShard(shard, change.target.endpoint, change.target.repository));
}
