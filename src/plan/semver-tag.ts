import { createRequire } from 'node:module';
import type SemverModule from 'semver';

type Semver = typeof SemverModule;
let loaded: Semver | null = null;
/**
 * semver (47 CommonJS modules) is required on first use, not imported: only a mirror with `tags.semver` needs it,
 * and the planner that calls it is synchronous, so a dynamic import() would not do.
 */
function semver(): Semver {
  loaded ??= createRequire(import.meta.url)('semver') as Semver;
  return loaded;
}

/**
 * A tag is a version when it starts with one (after an optional `v`): `v1.2.3`, `1.2.3-alpine`, `1.2`, `v0.9`.
 * What follows the MAJOR.MINOR.PATCH core is a prerelease when it starts with a prerelease word (`2.0.0-rc.1`,
 * `1.4-beta2`, `3.0.0-SNAPSHOT`), compared as npm semver compares prereleases; any other suffix names a variant
 * of the version (`1.25.3-alpine` is 1.25.3). `latest` is no version.
 */
// The longest dotted number after an optional `v`, then the end or a separator: `3f2a1bc` and `1.2beta` are no versions.
const VERSION_PREFIX = /^v?(\d+(?:\.\d+)*)(.*)$/;

/**
 * A prerelease word right after the separator, optionally followed by digits or dots, then the end or another
 * separator: `-rc.1`, `-beta2`, `-rc1-alpine`; but `-devel`, `-nextcloud` and `-alpine` are variants.
 */
const PRERELEASE = /^[-+_.~](alpha|beta|rc|pre|preview|dev|snapshot|nightly|canary|next)([\d.]*)(?=$|[-+_~])/i;

/** A tag read as a version: the semver string compared (`2.0.0-rc.1`) and whether it is a prerelease. */
export interface TagVersion {
  version: string;
  prerelease: boolean;
}

/** `rc` + `.1` → `rc.1`; `beta` + `2` → `beta.2`: numbers become numeric identifiers, so rc.2 < rc.10. */
function prereleaseOf(word: string, numbers: string): string {
  const parts = numbers
    .split('.')
    .filter((part) => part !== '')
    .map((part) => String(Number(part)));
  return [word.toLowerCase(), ...parts].join('.');
}

/** The version of a tag, or null when the tag does not start with a version. */
function parseTagVersion(tag: string): TagVersion | null {
  const match = VERSION_PREFIX.exec(tag);
  if (!match) return null;
  const [, numbers = '', rest = ''] = match;
  if (rest !== '' && !/^[-+_.~]/.test(rest)) return null;
  // Number() drops leading zeros, which strict semver rejects ("01.2.3" is version 1.2.3 here).
  const [major = 0, minor = 0, patch = 0] = numbers.split('.').slice(0, 3).map(Number);
  if (![major, minor, patch].every((n) => Number.isSafeInteger(n))) return null;
  const core = `${major}.${minor}.${patch}`;
  const pre = PRERELEASE.exec(rest);
  if (pre === null) return { version: core, prerelease: false };
  const [, word = '', digits = ''] = pre;
  return { version: `${core}-${prereleaseOf(word, digits)}`, prerelease: true };
}

/** The version string of a tag (`"1.2.0"`, `"2.0.0-rc.1"`), or null when the tag does not start with a version. */
export function tagVersion(tag: string): string | null {
  return parseTagVersion(tag)?.version ?? null;
}

/** true when the range is one semver understands (config validation should already have said so). */
export function isValidRange(range: string): boolean {
  return semver().validRange(range) !== null;
}

/**
 * Why a tag fails the range, or null when it passes. As npm semver: a prerelease satisfies a range only when a
 * comparator names a prerelease of the same MAJOR.MINOR.PATCH (`>=2.0.0-rc.0` admits 2.0.0-rc.1, `>=1.0.0` does
 * not), unless `prerelease` (config `tags.prerelease: true`) admits them everywhere.
 */
export function semverRejection(tag: string, range: string, options: { prerelease: boolean } = { prerelease: false }): string | null {
  const parsed = parseTagVersion(tag);
  if (parsed === null) return `${tag} is not a version`;
  if (semver().satisfies(parsed.version, range, { includePrerelease: options.prerelease })) return null;
  if (parsed.prerelease && !options.prerelease && semver().satisfies(parsed.version, range, { includePrerelease: true })) {
    return `${parsed.version} is a prerelease, which ${range} does not name (set tags.prerelease: true to admit prereleases)`;
  }
  return `${parsed.version} does not satisfy ${range}`;
}
