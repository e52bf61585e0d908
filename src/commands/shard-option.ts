import { InvalidArgumentError } from 'commander';
import { parseShard } from '../plan/shard.js';
import type { Shard } from '../plan/shard.js';

/** commander parser for `--shard I/N` (plan and apply): a usage error that names the expected form. */
export function shardOption(value: string): Shard {
  const shard = parseShard(value);
  if ('error' in shard) throw new InvalidArgumentError(shard.error.replace(/^--shard "[^"]*" /, ''));
  return shard;
}
