import { compareStrings } from '../util/compare.js';
import { splitTagRef } from './refs.js';
import type { Change, Skipped } from './types.js';

function byMirrorRepositoryTag(a: { mirror: string; ref: string }, b: { mirror: string; ref: string }): number {
  const left = splitTagRef(a.ref);
  const right = splitTagRef(b.ref);
  return compareStrings(a.mirror, b.mirror) || compareStrings(left.repository, right.repository) || compareStrings(left.tag, right.tag);
}

/** Changes by mirror, target repository, tag (code-unit order, so every machine writes the same bytes). */
export function sortChanges(changes: Change[]): Change[] {
  return [...changes].sort(
    (a, b) =>
      compareStrings(a.mirror, b.mirror) ||
      compareStrings(a.target.repository, b.target.repository) ||
      compareStrings(a.target.tag ?? '', b.target.tag ?? ''),
  );
}

/** Skipped entries by mirror, source repository, tag; then filter, for two entries of one ref. */
export function sortSkipped(skipped: Skipped[]): Skipped[] {
  return [...skipped].sort((a, b) => byMirrorRepositoryTag(a, b) || compareStrings(a.filter, b.filter));
}
