import type { Change } from './types.js';

/**
 * The one rule for "what digest a change leaves under its target tag once applied", when it is known: a noop
 * leaves the current digest; a create or update that copies the manifest whole (copy.platforms null: the
 * registry executor, byte for byte) lands under the source digest. A platform subset (a new index) or a docker
 * push (re-encoded) lands under a digest only apply learns; a delete leaves none.
 */
export function digestAfterApply(change: Change): string | null {
  if (change.action === 'delete') return null;
  if (change.action === 'noop') return change.target.digest;
  const whole = change.copy !== undefined && change.copy.platforms === null;
  return whole ? (change.source?.digest ?? null) : null;
}
