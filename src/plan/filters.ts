import type { MirrorConfig } from '../config/types.js';
import { compareStrings } from '../util/compare.js';
import { RegsyncError } from '../util/errors.js';
import { semverRejection } from './semver-tag.js';
import { carriesLegacyCosignTags, legacyCosignSubject } from './legacy-cosign.js';

/** The platform docker pulls when the mirror does not name one. */
const DEFAULT_DOCKER_PLATFORM = 'linux/amd64';

/** A compiled pattern that remembers how the user wrote it (RegExp.source escapes `/`). */
interface Pattern {
  text: string;
  re: RegExp;
}

function compile(pattern: string, where: string): Pattern {
  try {
    return { text: pattern, re: new RegExp(pattern) };
  } catch (error) {
    // Config validation compiles these too; this guards callers that build a MirrorConfig by hand.
    throw new RegsyncError(`${where}: ${JSON.stringify(pattern)} is not a valid regular expression`, {
      code: 'CONFIG_INVALID',
      cause: error,
    });
  }
}

/** Applies include (any match keeps; none configured keeps all) then exclude (any match drops). */
function includeExclude(name: string, include: Pattern[], exclude: Pattern[]): { filter: 'include' | 'exclude'; detail: string } | null {
  if (include.length > 0 && !include.some((p) => p.re.test(name))) {
    return { filter: 'include', detail: `matches none of include ${include.map((p) => p.text).join(', ')}` };
  }
  const dropping = exclude.find((p) => p.re.test(name));
  if (dropping) return { filter: 'exclude', detail: `matches exclude ${dropping.text}` };
  return null;
}

/**
 * Repositories of a mirror, relative to the source prefix: `names` when configured, else the listed catalog;
 * then include and exclude (unanchored JavaScript regexes). `selected` is sorted and free of duplicates.
 */
export function selectRepositories(
  mirror: MirrorConfig,
  listed: string[],
): { selected: string[]; skipped: Array<{ repository: string; filter: 'include' | 'exclude'; detail: string }> } {
  const where = `mirror ${mirror.name}`;
  const include = mirror.repositories.include.map((p) => compile(p, `${where}: repositories.include`));
  const exclude = mirror.repositories.exclude.map((p) => compile(p, `${where}: repositories.exclude`));
  const candidates = [...new Set(mirror.repositories.names ?? listed)].sort(compareStrings);
  const selected: string[] = [];
  const skipped: Array<{ repository: string; filter: 'include' | 'exclude'; detail: string }> = [];
  for (const repository of candidates) {
    const rejection = includeExclude(repository, include, exclude);
    if (rejection) skipped.push({ repository, ...rejection });
    else selected.push(repository);
  }
  return { selected, skipped };
}

/**
 * The name-only tag filters, in order: include → exclude → semver. Date filters need facts and come later. For a
 * mirror that carries cosign's legacy tags, a legacy tag the name filters keep is no image: it is set aside in
 * `legacy` (it travels only with its selected subject, plan/legacy-cosign.ts), never in `kept`.
 */
export function matchTagNames(
  mirror: MirrorConfig,
  tags: string[],
): { kept: string[]; skipped: Array<{ tag: string; filter: 'include' | 'exclude' | 'semver'; detail: string }>; legacy: string[] } {
  const where = `mirror ${mirror.name}`;
  const include = mirror.tags.include.map((p) => compile(p, `${where}: tags.include`));
  const exclude = mirror.tags.exclude.map((p) => compile(p, `${where}: tags.exclude`));
  const range = mirror.tags.semver;
  const kept: string[] = [];
  const legacy: string[] = [];
  const carriesLegacy = carriesLegacyCosignTags(mirror);
  const skipped: Array<{ tag: string; filter: 'include' | 'exclude' | 'semver'; detail: string }> = [];
  for (const tag of [...new Set(tags)].sort(compareStrings)) {
    const rejection = includeExclude(tag, include, exclude);
    if (rejection) {
      skipped.push({ tag, ...rejection });
      continue;
    }
    const semverDetail = range === null ? null : semverRejection(tag, range, { prerelease: mirror.tags.prerelease });
    if (semverDetail !== null) skipped.push({ tag, filter: 'semver', detail: semverDetail });
    else if (carriesLegacy && legacyCosignSubject(tag) !== null) legacy.push(tag);
    else kept.push(tag);
  }
  return { kept, skipped, legacy };
}

/**
 * true when the planner will need TagFacts.platforms (created dates, config digests, child manifests):
 * any of maxAge, minAge, latest; the docker executor (it compares config digests); or a `platforms`
 * subset with the registry executor (it copies and compares only the selected children of an index).
 */
export function needsImageFacts(mirror: MirrorConfig): boolean {
  const { maxAge, minAge, latest } = mirror.tags;
  return maxAge !== null || minAge !== null || latest !== null || mirror.executor === 'docker' || mirror.platforms !== null;
}

/** true when the planner needs a `created` date for every kept tag. */
export function needsCreatedDate(mirror: MirrorConfig): boolean {
  const { maxAge, minAge, latest } = mirror.tags;
  return maxAge !== null || minAge !== null || latest !== null;
}

/** The platform the docker executor pulls: platforms[0] or linux/amd64. */
export function dockerPlatform(mirror: MirrorConfig): string {
  return mirror.platforms?.[0] ?? DEFAULT_DOCKER_PLATFORM;
}
