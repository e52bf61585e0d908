/**
 * The name grammars of the OCI distribution spec that several layers check (registry refs, OCI layouts, the
 * facts cache, renames): written once here so they can never drift apart.
 */

// Only sha256 is read or written: the digest every registry and layout in use speaks.
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
// Lower-case alphanumerics joined by `.`, `_`, `__` or runs of `-`: never empty, `.` or `..`.
const REPOSITORY_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
// A word character first, then up to 127 of word characters, `.` and `-`.
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** True for `sha256:` followed by 64 lower-case hex digits. */
export function isDigest(value: string): boolean {
  return SHA256_DIGEST.test(value);
}

/** True for one `/`-separated part of a repository path (`team`, `my-app`, `a__b`). */
export function isRepositoryComponent(value: string): boolean {
  return REPOSITORY_COMPONENT.test(value);
}

/** True for a tag the distribution spec allows (`latest`, `v1.2.3`, `1.25-alpine`; at most 128 characters). */
export function isTag(value: string): boolean {
  return TAG.test(value);
}
