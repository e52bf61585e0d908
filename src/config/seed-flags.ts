import type { UserConfig, UserMirror } from './document.js';
import { endpointCredentials } from './endpoint.js';
import { dockerExecutorMessage } from './semantic.js';
import { jsonPointer } from './problems.js';
import type { DocPath, Locator, Problem } from './problems.js';

/**
 * The original sync.sh command line: `SOURCE DESTINATION` plus its flags and SYNC_* variables, mapped to a
 * one-mirror config. Flags win over the environment, except SYNC_SRC_REGISTRY / SYNC_DST_REGISTRY, which win
 * over the positionals exactly as in sync.sh.
 */
export interface SeedOptions {
  images?: string | undefined;
  tags?: string | undefined;
  exclude?: string | undefined;
  age?: string | undefined;
  max?: string | undefined;
  maximum?: string | undefined;
  rename?: string | undefined;
  queue?: string | undefined;
  srcAuth?: string | undefined;
  sourceAuth?: string | undefined;
  dstAuth?: string | undefined;
  destAuth?: string | undefined;
  destinationAuth?: string | undefined;
  executor?: string | undefined;
  dryRun?: boolean | undefined;
  dryrun?: boolean | undefined;
}

/** The mirror name used for a config built from flags. */
export const SEED_MIRROR_NAME = 'sync';

/** Environment variables that carry seed settings (the flags' counterparts). */
export const SEED_ENV = {
  images: 'SYNC_IMAGES',
  tags: 'SYNC_TAGS',
  exclude: 'SYNC_EXCLUDE',
  age: 'SYNC_AGE',
  max: 'SYNC_MAX',
  rename: 'SYNC_RENAME',
  queue: 'SYNC_QUEUE',
  srcAuth: 'SYNC_SRC_AUTH',
  dstAuth: 'SYNC_DST_AUTH',
  source: 'SYNC_SRC_REGISTRY',
  destination: 'SYNC_DST_REGISTRY',
  dryRun: 'SYNC_DRYRUN',
} as const;

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

interface Setting {
  value: string;
  label: string;
}

/** True when any seed flag or positional is present: the command line then replaces a config file. */
export function hasSeedInput(positionals: readonly string[], options: SeedOptions): boolean {
  // Only the settings that define a mirror count: --dry-run and other commands' own options do not.
  return positionals.length > 0 || SEED_SETTING_KEYS.some((key) => options[key] !== undefined);
}

const SEED_SETTING_KEYS = [
  'images',
  'tags',
  'exclude',
  'age',
  'max',
  'maximum',
  'rename',
  'queue',
  'srcAuth',
  'sourceAuth',
  'dstAuth',
  'destAuth',
  'destinationAuth',
  'executor',
] as const satisfies readonly (keyof SeedOptions)[];

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
  const problems: Problem[] = [];
  const origins = new Map<string, string>();
  const warnings: string[] = [];
  const pick = (flags: [string, string | undefined][], envName: string): Setting | undefined => {
    for (const [label, value] of flags) if (value !== undefined) return { value, label };
    const fromEnv = nonEmpty(env[envName]);
    return fromEnv === undefined ? undefined : { value: fromEnv, label: envName };
  };
  const mirrorPath: DocPath = ['mirrors', 0];
  const place = (path: DocPath, label: string): void => void origins.set(jsonPointer([...mirrorPath, ...path]), label);

  const endpoint = (envName: string, positional: string | undefined, label: string): Setting | undefined => {
    const fromEnv = nonEmpty(env[envName]);
    if (fromEnv !== undefined && positional !== undefined && positional !== fromEnv) {
      warnings.push(`${envName}=${fromEnv} replaces ${label} ${positional}, as in sync.sh: unset ${envName} to use ${positional}`);
    }
    if (fromEnv !== undefined) return { value: fromEnv, label: envName };
    return positional === undefined ? undefined : { value: positional, label };
  };
  if (positionals.length > 2) {
    problems.push({
      path: [],
      message: `too many arguments: expected SOURCE DESTINATION, got ${positionals.length} (${positionals.join(' ')})`,
    });
  }
  const source = endpoint(SEED_ENV.source, positionals[0], 'SOURCE');
  const destination = endpoint(SEED_ENV.destination, positionals[1], 'DESTINATION');
  for (const [setting, key, flag] of [
    [source, 'source', '--src-auth'],
    [destination, 'destination', '--dst-auth'],
  ] as const) {
    const credentials = setting === undefined ? null : endpointCredentials(setting.value);
    if (credentials === null) continue;
    problems.push({
      path: [...mirrorPath, key],
      message: `credentials do not belong in the registry: write ${credentials.withoutCredentials} and pass ${flag} USER:PASSWORD (in a config file: registries."${credentials.host}".username/password)`,
    });
  }
  if (source === undefined)
    problems.push({
      path: [...mirrorPath, 'source'],
      message: 'missing SOURCE registry (give SOURCE DESTINATION or set SYNC_SRC_REGISTRY)',
    });
  if (destination === undefined) {
    problems.push({
      path: [...mirrorPath, 'destination'],
      message: 'missing DESTINATION registry (give SOURCE DESTINATION or set SYNC_DST_REGISTRY)',
    });
  }
  const mirror: UserMirror = {
    name: SEED_MIRROR_NAME,
    source: source?.value ?? '',
    destination: destination?.value ?? '',
    executor: options.executor === 'registry' ? 'registry' : 'docker',
  };
  if (options.executor !== undefined) place(['executor'], '--executor');
  for (const [setting, key] of [
    [source, 'source'],
    [destination, 'destination'],
  ] as const) {
    if (mirror.executor !== 'docker' || setting?.value.startsWith('ocidir://') !== true) continue;
    problems.push({
      path: [...mirrorPath, key],
      message: dockerExecutorMessage(setting.value, 'executor: registry (--executor registry)'),
    });
    break;
  }
  place(['source'], source?.label ?? 'SOURCE');
  place(['destination'], destination?.label ?? 'DESTINATION');

  const images = pick([['--images', options.images]], SEED_ENV.images);
  if (images !== undefined) {
    mirror.repositories = { include: [images.value] };
    place(['repositories', 'include'], images.label);
  }
  const tags: NonNullable<UserMirror['tags']> = {};
  const tagRe = pick([['--tags', options.tags]], SEED_ENV.tags);
  if (tagRe !== undefined) {
    tags.include = [tagRe.value];
    place(['tags', 'include'], tagRe.label);
  }
  const exclude = pick([['--exclude', options.exclude]], SEED_ENV.exclude);
  if (exclude !== undefined) {
    tags.exclude = [exclude.value];
    place(['tags', 'exclude'], exclude.label);
  }
  const age = pick([['--age', options.age]], SEED_ENV.age);
  if (age !== undefined) {
    tags.maxAge = age.value;
    place(['tags', 'maxAge'], age.label);
  }
  const max = pick(
    [
      ['--max', options.max],
      ['--maximum', options.maximum],
    ],
    SEED_ENV.max,
  );
  const latest = max === undefined ? undefined : integer(max, problems, mirrorPath, ['tags', 'latest']);
  // -1 is sync.sh's "unset". sync.sh ignored --max whenever --age was given; both flags map onto filters that
  // combine, so regsync applies both, as the command line asks, and says how that differs.
  if (max !== undefined && latest !== undefined && latest !== -1) {
    tags.latest = latest;
    place(['tags', 'latest'], max.label);
    if (age !== undefined) {
      warnings.push(
        `${max.label} and ${age.label} both apply: the ${latest} newest of the images younger than ${age.value} (sync.sh ignored --max when --age was set)`,
      );
    }
  } else if (max !== undefined) {
    place(['tags', 'latest'], max.label);
  }
  if (Object.keys(tags).length > 0) mirror.tags = tags;
  const rename = pick([['--rename', options.rename]], SEED_ENV.rename);
  if (rename !== undefined) {
    mirror.rename = rename.value;
    place(['rename'], rename.label);
  }
  const queue = pick([['--queue', options.queue]], SEED_ENV.queue);
  if (queue !== undefined) {
    const value = integer(queue, problems, mirrorPath, ['removalQueue']);
    if (value !== undefined) mirror.removalQueue = value;
    place(['removalQueue'], queue.label);
  }

  const raw: UserConfig = { version: 1, mirrors: [mirror] };
  const secrets: string[] = [];
  const credentialSides = new Map<string, 'SRC' | 'DST'>();
  const sides: ['SRC' | 'DST', Setting | undefined, Setting | undefined][] = [
    [
      'SRC',
      pick(
        [
          ['--src-auth', options.srcAuth],
          ['--source-auth', options.sourceAuth],
        ],
        SEED_ENV.srcAuth,
      ),
      source,
    ],
    [
      'DST',
      pick(
        [
          ['--dst-auth', options.dstAuth],
          ['--dest-auth', options.destAuth],
          ['--destination-auth', options.destinationAuth],
        ],
        SEED_ENV.dstAuth,
      ),
      destination,
    ],
  ];
  for (const [side, auth, where] of sides) {
    if (auth === undefined || where === undefined) continue;
    const colon = auth.value.indexOf(':');
    if (colon <= 0) {
      problems.push({ path: [side], message: 'expected user:password' });
      origins.set(jsonPointer([side]), auth.label);
      continue;
    }
    if (where.value.startsWith('ocidir://')) {
      problems.push({ path: [side], message: `${where.value} is a directory, which takes no credentials: drop ${auth.label}` });
      origins.set(jsonPointer([side]), auth.label);
      continue;
    }
    // Credentials written into SOURCE itself are reported by validation; the key stays the bare host.
    const host = endpointCredentials(where.value)?.host ?? where.value.split('/')[0] ?? where.value;
    const username = auth.value.slice(0, colon);
    const password = auth.value.slice(colon + 1);
    secrets.push(password, auth.value);
    const existing = raw.registries?.[host];
    if (existing !== undefined && (existing.username !== username || existing.password !== password)) {
      problems.push({ path: [side], message: `${host} is both SOURCE and DESTINATION but the two credentials differ` });
      origins.set(jsonPointer([side]), auth.label);
      continue;
    }
    raw.registries = { ...raw.registries, [host]: { username, password } };
    credentialSides.set(host, side);
    origins.set(jsonPointer(['registries', host]), auth.label);
  }
  const dryRun = options.dryRun === true || options.dryrun === true || env[SEED_ENV.dryRun] === '1';
  return { raw, origins, problems, secrets, credentialSides, dryRun, warnings };
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

function integer(setting: Setting, problems: Problem[], at: DocPath, path: DocPath): number | undefined {
  if (/^-?\d+$/.test(setting.value.trim())) return Number(setting.value.trim());
  problems.push({ path: [...at, ...path], message: `"${setting.value}" is not a whole number` });
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
