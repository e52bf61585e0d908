import { createHash } from 'node:crypto';
import type { Config } from './types.js';
import { compareStrings } from '../util/compare.js';

/**
 * "sha256:..." of the normalised config in canonical JSON (sorted keys), without credentials and without the
 * file's location: a plan records it, and apply refuses a plan whose config changed. Rotating a password or
 * moving the checkout must not make a plan stale; changing what is mirrored must.
 */
export function configDigest(config: Config): string {
  const registries = Object.fromEntries(
    Object.entries(config.registries).map(([host, settings]) => [host, { ...settings, username: null, password: null }]),
  );
  // A mirror without referrers leaves the field out, so configs written before referrers existed keep their digest.
  const mirrors = config.mirrors.map(({ referrers, ...mirror }) => (referrers === null ? mirror : { ...mirror, referrers }));
  const canonical = canonicalJson({ ...config, file: null, registries, mirrors });
  return 'sha256:' + createHash('sha256').update(canonical).digest('hex');
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compareStrings(a, b));
  return '{' + entries.map(([k, v]) => JSON.stringify(k) + ':' + canonicalJson(v)).join(',') + '}';
}
