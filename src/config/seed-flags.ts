import type { UserConfig, UserMirror } from './document.js';
import { isOcidirEndpoint } from '../oci/index.js';
import { endpointCredentials, parseEndpoint } from './endpoint.js';
import { jsonPointer } from './problems.js';
import type { DocPath, Locator, Problem } from './problems.js';
import { AUTH_ROWS, ENDPOINT_ROWS, MIRROR_ROWS, nonEmpty, readSetting, SEED_ENV, SEED_SETTING_KEYS } from './seed-rows.js';
import type { SeedOptions, SeedRow, Setting } from './seed-rows.js';
import { dockerExecutorMessage } from './semantic.js';

export type { SeedOptions } from './seed-rows.js';

/** The mirror name used for a config built from flags. */
const SEED_MIRROR_NAME = 'sync';

/** A document built from flags, with where each value came from so errors can name the flag. */
export interface SeedDocument {
  raw: UserConfig;
  /** JSON pointer → "--age" or "SYNC_AGE". */
  origins: Map<string, string>;
  /** Problems found while reading the flags themselves (e.g. `--max abc`). */
  problems: Problem[];
  /** Credentials read from --src-auth/--dst-auth: secrets. */
  secrets: string[];
  /** Where each registry's credentials came from, for printing a placeholder instead of the secret. */
  credentialSides: Map<string, 'SRC' | 'DST'>;
  dryRun: boolean;
  warnings: string[];
}

/** What reading the command line collects besides the document: shared by the steps below. */
interface SeedReport {
  origins: Map<string, string>;
  problems: Problem[];
  warnings: string[];
}

const MIRROR_PATH: DocPath = ['mirrors', 0];

/** True when any seed flag or positional is present: the command line then replaces a config file. */
export function hasSeedInput(positionals: readonly string[], options: SeedOptions): boolean {
  return positionals.length > 0 || SEED_SETTING_KEYS.some((key) => options[key] !== undefined);
}

/** The seed variables set (non-empty) in `env`, in the order of SEED_ENV. */
export function setSeedVariables(env: NodeJS.ProcessEnv): string[] {
  return Object.values(SEED_ENV).filter((name) => nonEmpty(env[name]) !== undefined);
}

/** True when the environment alone names both registries, as sync.sh allowed. */
export function hasSeedEnvironment(env: NodeJS.ProcessEnv): boolean {
  return nonEmpty(env[SEED_ENV.source]) !== undefined && nonEmpty(env[SEED_ENV.destination]) !== undefined;
}

/** Builds the one-mirror document. Validation happens afterwards, through the same checks as a file. */
export function buildSeedDocument(positionals: readonly string[], options: SeedOptions, env: NodeJS.ProcessEnv): SeedDocument {
  const report: SeedReport = { origins: new Map(), problems: [], warnings: [] };
  const [source, destination] = readEndpoints(positionals, env, report);
  const mirror: UserMirror = {
    name: SEED_MIRROR_NAME,
    source: source?.value ?? '',
    destination: destination?.value ?? '',
    executor: options.executor === 'registry' ? 'registry' : 'docker',
  };
  if (options.executor !== undefined) place(report, ['executor'], '--executor');
  checkExecutor(mirror, [source, destination], report);
  applyMirrorSettings(mirror, options, env, report);
  const raw: UserConfig = { version: 1, mirrors: [mirror] };
  const { secrets, credentialSides } = applyCredentials(raw, { SRC: source, DST: destination }, options, env, report);
  const dryRun = options.dryRun === true || options.dryrun === true || env[SEED_ENV.dryRun] === '1';
  return { raw, origins: report.origins, problems: report.problems, secrets, credentialSides, dryRun, warnings: report.warnings };
}

/** Errors name the flag or variable a value came from: `--age: "3x" is not a duration (...)`. */
export function seedLocator(origins: ReadonlyMap<string, string>): Locator {
  return (problem) => {
    let pointer = jsonPointer(problem.path);
    // The closest enclosing setting: a problem at /mirrors/0/tags/include/0 belongs to --tags.
    while (!origins.has(pointer) && pointer.lastIndexOf('/') > 0) pointer = pointer.slice(0, pointer.lastIndexOf('/'));
    const label = origins.get(pointer) ?? 'command line';
    return { line: 0, column: 0, text: `${label}: ${problem.message}` };
  };
}

/** Records that the value at `path` (inside the mirror) came from `label`. */
function place(report: SeedReport, path: DocPath, label: string): void {
  report.origins.set(jsonPointer([...MIRROR_PATH, ...path]), label);
}

/** SOURCE and DESTINATION (or their variables), with the problems of missing, extra or credential-bearing ones. */
function readEndpoints(positionals: readonly string[], env: NodeJS.ProcessEnv, report: SeedReport): (Setting | undefined)[] {
  if (positionals.length > 2) {
    report.problems.push({
      path: [],
      message: `too many arguments: expected SOURCE DESTINATION, got ${positionals.length} (${positionals.join(' ')})`,
    });
  }
  return ENDPOINT_ROWS.map((row) => {
    const setting = readEndpoint(row, positionals[row.index], env, report);
    place(report, [row.key], setting?.label ?? row.positional);
    if (setting === undefined) {
      const message = `missing ${row.positional} registry (give SOURCE DESTINATION or set ${row.variable})`;
      report.problems.push({ path: [...MIRROR_PATH, row.key], message });
      return undefined;
    }
    const credentials = endpointCredentials(setting.value);
    if (credentials !== null) {
      report.problems.push({
        path: [...MIRROR_PATH, row.key],
        message: `credentials do not belong in the registry: write ${credentials.withoutCredentials} and pass ${row.authFlag} USER:PASSWORD (in a config file: registries."${credentials.host}".username/password)`,
      });
    }
    return setting;
  });
}

function readEndpoint(
  row: (typeof ENDPOINT_ROWS)[number],
  positional: string | undefined,
  env: NodeJS.ProcessEnv,
  report: SeedReport,
): Setting | undefined {
  const fromEnv = nonEmpty(env[row.variable]);
  if (fromEnv === undefined) return positional === undefined ? undefined : { value: positional, label: row.positional };
  if (positional !== undefined && positional !== fromEnv) {
    report.warnings.push(
      `${row.variable}=${fromEnv} replaces ${row.positional} ${positional}, as in sync.sh: unset ${row.variable} to use ${positional}`,
    );
  }
  return { value: fromEnv, label: row.variable };
}

/** Docker cannot read or write OCI layouts: an ocidir:// end needs --executor registry. */
function checkExecutor(mirror: UserMirror, ends: (Setting | undefined)[], report: SeedReport): void {
  if (mirror.executor !== 'docker') return;
  const index = ends.findIndex((end) => end !== undefined && isOcidirEndpoint(end.value));
  const row = ENDPOINT_ROWS[index];
  const end = ends[index];
  if (row === undefined || end === undefined) return;
  report.problems.push({
    path: [...MIRROR_PATH, row.key],
    message: dockerExecutorMessage(end.value, 'executor: registry (--executor registry)'),
  });
}

/** Every row of MIRROR_ROWS that is set lands at its path; -a with -m warns how that differs from sync.sh. */
function applyMirrorSettings(mirror: UserMirror, options: SeedOptions, env: NodeJS.ProcessEnv, report: SeedReport): void {
  const settings = new Map<keyof typeof MIRROR_ROWS, Setting>();
  for (const [name, row] of Object.entries(MIRROR_ROWS) as [keyof typeof MIRROR_ROWS, SeedRow][]) {
    const setting = readSetting(row, options, env);
    if (setting === undefined) continue;
    settings.set(name, setting);
    place(report, row.path, setting.label);
    const value = configValue(row, setting, report);
    if (value !== undefined) setPath(mirror, row.path, value);
  }
  const age = settings.get('age');
  const max = settings.get('max');
  const latest = mirror.tags?.latest;
  // sync.sh ignored --max whenever --age was given; both map onto filters that combine, so regsync applies both,
  // as the command line asks, and says how that differs.
  if (age !== undefined && max !== undefined && latest !== undefined) {
    report.warnings.push(
      `${max.label} and ${age.label} both apply: the ${latest} newest of the images younger than ${age.value} (sync.sh ignored --max when --age was set)`,
    );
  }
}

/** The config value for a setting's text, or undefined when nothing is set (a problem, or sync.sh's -1 for "unset"). */
function configValue(row: SeedRow, setting: Setting, report: SeedReport): unknown {
  if (row.kind === 'regex') return [setting.value];
  if (row.kind === 'text') return setting.value;
  const trimmed = setting.value.trim();
  if (!/^-?\d+$/.test(trimmed)) {
    report.problems.push({ path: [...MIRROR_PATH, ...row.path], message: `"${setting.value}" is not a whole number` });
    return undefined;
  }
  const count = Number(trimmed);
  return row.kind === 'latest' && count === -1 ? undefined : count;
}

/** Sets `value` at `path` inside `target`, creating the mappings on the way. */
function setPath(target: object, path: readonly string[], value: unknown): void {
  let node = target as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    node = (child !== null && typeof child === 'object' ? child : (node[key] = {})) as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

/** --src-auth/--dst-auth (or their variables) become registries.<host>.username/password of that side's host. */
function applyCredentials(
  raw: UserConfig,
  ends: Record<'SRC' | 'DST', Setting | undefined>,
  options: SeedOptions,
  env: NodeJS.ProcessEnv,
  report: SeedReport,
): { secrets: string[]; credentialSides: Map<string, 'SRC' | 'DST'> } {
  const secrets: string[] = [];
  const credentialSides = new Map<string, 'SRC' | 'DST'>();
  for (const side of ['SRC', 'DST'] as const) {
    const auth = readSetting(AUTH_ROWS[side], options, env);
    const where = ends[side];
    if (auth === undefined || where === undefined) continue;
    const refuse = (message: string): void => {
      report.problems.push({ path: [side], message });
      report.origins.set(jsonPointer([side]), auth.label);
    };
    const colon = auth.value.indexOf(':');
    if (colon <= 0) {
      refuse('expected user:password');
      continue;
    }
    const endpoint = parseEndpoint(where.value, '.');
    if (endpoint.scheme === 'ocidir') {
      refuse(`${where.value} is a directory, which takes no credentials: drop ${auth.label}`);
      continue;
    }
    // Credentials written into SOURCE itself are reported by readEndpoints; the key stays the bare host, found by
    // Docker's rule as the endpoint itself is (`alpine` and `bitnami/redis` are on docker.io).
    const host = endpointCredentials(where.value)?.host ?? endpoint.host;
    const username = auth.value.slice(0, colon);
    const password = auth.value.slice(colon + 1);
    secrets.push(password, auth.value);
    const existing = raw.registries?.[host];
    if (existing !== undefined && (existing.username !== username || existing.password !== password)) {
      refuse(`${host} is both SOURCE and DESTINATION but the two credentials differ`);
      continue;
    }
    raw.registries = { ...raw.registries, [host]: { username, password } };
    credentialSides.set(host, side);
    report.origins.set(jsonPointer(['registries', host]), auth.label);
  }
  return { secrets, credentialSides };
}
