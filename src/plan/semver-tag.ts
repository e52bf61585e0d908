import semver from 'semver';

/**
 * A tag is a version when it starts with one (after an optional `v`): `v1.2.3`, `1.2.3-alpine`, `1.2`, `v0.9`.
 * Only the MAJOR.MINOR.PATCH core counts, so `1.2.3-alpine` is 1.2.3, not a prerelease; `latest` is no version.
 */
// The longest dotted number after an optional `v`, then the end or a separator: `3f2a1bc` and `1.2beta` are no versions.
const VERSION_PREFIX = /^v?(\d+(?:\.\d+)*)(.*)$/;

/** The version core of a tag (`"1.2.0"`), or null when the tag does not start with a version. */
export function tagVersion(tag: string): string | null {
  const match = VERSION_PREFIX.exec(tag);
  if (!match) return null;
  const [, numbers = '', rest = ''] = match;
  if (rest !== '' && !/^[-+_.~]/.test(rest)) return null;
  // Number() drops leading zeros, which strict semver rejects ("01.2.3" is version 1.2.3 here).
  const [major = 0, minor = 0, patch = 0] = numbers.split('.').slice(0, 3).map(Number);
  if (![major, minor, patch].every((n) => Number.isSafeInteger(n))) return null;
  return `${major}.${minor}.${patch}`;
}

/** true when the range is one semver understands (config validation should already have said so). */
export function isValidRange(range: string): boolean {
  return semver.validRange(range) !== null;
}

/** Why a tag fails the range, or null when it passes. */
export function semverRejection(tag: string, range: string): string | null {
  const version = tagVersion(tag);
  if (version === null) return `${tag} is not a version`;
  if (!semver.satisfies(version, range)) return `${version} does not satisfy ${range}`;
  return null;
}
