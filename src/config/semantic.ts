import { createRequire } from 'node:module';
import type semverValidRange from 'semver/ranges/valid.js';
import { DURATION_HINT, durationValueMs } from '../util/duration.js';
import type { DocPath, Problem } from './problems.js';
import { jsonPointer } from './problems.js';
import { dockerHubLocation, isDockerHub, isOcidirEndpoint } from '../oci/index.js';
import { parseEndpoint } from './endpoint.js';
import { isPlainObject } from '../util/records.js';

type Plain = Record<string, unknown>;

/**
 * The one semver function needed, required only when a config has a `tags.semver` range: most configs have none,
 * and the checks are synchronous (no dynamic import()).
 */
function validRange(range: string): string | null {
  const valid = createRequire(import.meta.url)('semver/ranges/valid.js') as typeof semverValidRange;
  return valid(range);
}

/**
 * Checks the schema cannot express, on the expanded document: regexes compile, durations and semver ranges
 * parse, rename regexes compile, mirror names are unique. Paths the schema already rejected are skipped
 * (`rejected` holds their JSON pointers) so one mistake is reported once.
 */
export function semanticProblems(value: unknown, rejected: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  if (!isPlainObject(value)) return problems;
  const report = (path: DocPath, message: string): void => {
    const pointer = jsonPointer(path);
    for (const bad of rejected) if (pointer === bad || pointer.startsWith(bad + '/')) return;
    problems.push({ path, message });
  };
  if (isPlainObject(value.registries)) checkRegistryTimeouts(value.registries, report);
  if (isPlainObject(value.defaults)) checkMirrorFields(value.defaults, ['defaults'], report);
  const mirrors = Array.isArray(value.mirrors) ? value.mirrors : [];
  const seen = new Map<string, number>();
  mirrors.forEach((mirror: unknown, index) => {
    if (!isPlainObject(mirror)) return;
    checkMirrorFields(mirror, ['mirrors', index], report);
    const defaults = isPlainObject(value.defaults) ? value.defaults : {};
    checkCatalogNeeded(mirror, defaults, ['mirrors', index], report);
    checkExecutorReachesEnds(mirror, defaults, ['mirrors', index], report);
    checkExecutorCarriesReferrers(mirror, defaults, ['mirrors', index], report);
    checkDockerHubNames(mirror, ['mirrors', index], report);
    if (typeof mirror.name === 'string') {
      const first = seen.get(mirror.name);
      if (first === undefined) seen.set(mirror.name, index);
      else
        report(
          ['mirrors', index, 'name'],
          `duplicate mirror name "${mirror.name}" (already used by /mirrors/${first}; names must be unique)`,
        );
    }
  });
  return problems;
}

type Report = (path: DocPath, message: string) => void;

/**
 * Docker Hub has no catalog API: a Docker Hub source names one repository (`docker.io/library/alpine`, or
 * `alpine` as Docker writes it, read directly by its tags), or lists its repositories under repositories.names
 * (here or in defaults). A namespace (`docker.io/library`) or include/exclude filters would need the catalog.
 */
function checkCatalogNeeded(mirror: Plain, defaults: Plain, at: DocPath, report: Report): void {
  if (typeof mirror.source !== 'string') return;
  const source = parseEndpoint(mirror.source, '.');
  if (source.scheme !== 'registry' || !isDockerHub(source.host)) return;
  const prefix = source.prefix.split('/').filter((part) => part !== '');
  const field = (key: string): unknown => {
    const own = isPlainObject(mirror.repositories) ? mirror.repositories[key] : undefined;
    return own ?? (isPlainObject(defaults.repositories) ? defaults.repositories[key] : undefined);
  };
  if (field('names') !== undefined) return;
  const filtered = field('include') !== undefined || field('exclude') !== undefined;
  if (prefix.length >= 2 && !filtered) return;
  report(
    [...at, 'source'],
    'Docker Hub does not list its repositories (no catalog API): name one repository as the source (docker.io/library/alpine, or alpine as docker pull writes it), or name them under repositories.names, e.g. [library/nginx] or [nginx] with source docker.io/library',
  );
}

/**
 * A location without a host is a Docker Hub repository path (Docker's rule), so the schema's host pattern, which
 * admits capitals, does not check it: repository names are lowercase, as docker itself says.
 */
function checkDockerHubNames(mirror: Plain, at: DocPath, report: Report): void {
  for (const end of ['source', 'destination'] as const) {
    const written = mirror[end];
    if (typeof written !== 'string') continue;
    const located = dockerHubLocation(written);
    if (located === written || located === located.toLowerCase()) continue;
    report([...at, end], `"${written}" is on Docker Hub (${located}), and repository names are lowercase: write ${written.toLowerCase()}`);
  }
}

/** The docker executor pulls and pushes through a Docker engine, which cannot read or write OCI layout directories. */
function checkExecutorReachesEnds(mirror: Plain, defaults: Plain, at: DocPath, report: Report): void {
  const executor = mirror.executor ?? defaults.executor ?? 'docker';
  if (executor !== 'docker') return;
  for (const end of ['source', 'destination'] as const) {
    const written = mirror[end];
    if (typeof written !== 'string' || !isOcidirEndpoint(written)) continue;
    report([...at, end], dockerExecutorMessage(written, 'executor: registry'));
    return;
  }
}

/** A Docker engine re-encodes what it pulls and has no notion of a manifest's subject: referrers need the registry executor. */
function checkExecutorCarriesReferrers(mirror: Plain, defaults: Plain, at: DocPath, report: Report): void {
  const executor = mirror.executor ?? defaults.executor ?? 'docker';
  const referrers = mirror.referrers ?? defaults.referrers ?? false;
  if (executor !== 'docker' || referrers === false) return;
  const name = typeof mirror.name === 'string' ? mirror.name : String(at[at.length - 1]);
  const where = mirror.referrers === undefined ? 'defaults.referrers' : 'referrers';
  report(
    [...at, mirror.referrers === undefined ? 'executor' : 'referrers'],
    `mirror "${name}": the docker executor cannot carry referrers (${where} is set): use executor: registry`,
  );
}

/** The one wording for "docker cannot do OCI layouts", from a file or from --executor. */
export function dockerExecutorMessage(endpoint: string, fix: string): string {
  return `the docker executor cannot read or write OCI layouts (${endpoint}): use ${fix}`;
}

function checkMirrorFields(mirror: Plain, at: DocPath, report: Report): void {
  if (isPlainObject(mirror.repositories)) {
    checkRegexList(mirror.repositories.include, [...at, 'repositories', 'include'], report);
    checkRegexList(mirror.repositories.exclude, [...at, 'repositories', 'exclude'], report);
  }
  if (isPlainObject(mirror.tags)) {
    const tags = mirror.tags;
    checkRegexList(tags.include, [...at, 'tags', 'include'], report);
    checkRegexList(tags.exclude, [...at, 'tags', 'exclude'], report);
    const maxAge = checkDuration(tags.maxAge, [...at, 'tags', 'maxAge'], report);
    const minAge = checkDuration(tags.minAge, [...at, 'tags', 'minAge'], report);
    if (maxAge === 0) {
      // Nothing is younger than 0: the filter would silently empty the mirror.
      report(
        [...at, 'tags', 'maxAge'],
        `maxAge ${JSON.stringify(tags.maxAge)} keeps no image (nothing is younger than 0): remove maxAge, or give a duration such as 90d`,
      );
    } else if (maxAge !== null && minAge !== null && minAge >= maxAge) {
      report(
        [...at, 'tags', 'minAge'],
        `minAge (${String(tags.minAge)}) is not shorter than maxAge (${String(tags.maxAge)}): no image can match both`,
      );
    }
    if (typeof tags.semver === 'string' && validRange(tags.semver) === null) {
      report([...at, 'tags', 'semver'], `"${tags.semver}" is not a semver range (e.g. ">=1.2.0 <2" or "^1.4")`);
    }
  }
  if (isPlainObject(mirror.rename) && typeof mirror.rename.match === 'string') {
    const problem = regexProblem(mirror.rename.match);
    if (problem !== null) report([...at, 'rename', 'match'], problem);
  }
}

function checkRegistryTimeouts(registries: Plain, report: Report): void {
  for (const [host, settings] of Object.entries(registries)) {
    if (!isPlainObject(settings)) continue;
    const path: DocPath = ['registries', host, 'timeout'];
    // A zero timeout would fail every request at once.
    if (checkDuration(settings.timeout, path, report) === 0)
      report(path, 'a timeout of 0 fails every request: give a duration such as 30s');
  }
}

function checkRegexList(list: unknown, path: DocPath, report: Report): void {
  if (!Array.isArray(list)) return;
  list.forEach((item: unknown, index) => {
    if (typeof item !== 'string') return;
    const problem = regexProblem(item);
    if (problem !== null) report([...path, index], problem);
  });
}

/** A message when `source` is not a JavaScript regular expression, else null. */
function regexProblem(source: string): string | null {
  try {
    new RegExp(source);
    return null;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // V8 says "Invalid regular expression: /(/: Unterminated group"; keep only the reason.
    const reason = text.slice(text.lastIndexOf(': ') + 2);
    return `"${source}" is not a valid regular expression: ${reason}`;
  }
}

function checkDuration(raw: unknown, path: DocPath, report: Report): number | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const ms = durationValueMs(raw);
  if (ms === null) report(path, `${JSON.stringify(raw)} is not a duration (${DURATION_HINT})`);
  return ms;
}
