/**
 * The table of sync.sh's settings: each flag, its SYNC_* variable and where its value lands in a regsync config.
 * seed-flags.ts reads the command line by it; the README's migration table says the same in words.
 */

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

export type SeedStringOption = Exclude<keyof SeedOptions, 'dryRun' | 'dryrun'>;

/** How a setting's text becomes a config value. */
type SeedKind = 'regex' | 'text' | 'count' | 'latest';

/** One sync.sh setting: its flags (the first given wins), its variable, and where it lands in the mirror. */
export interface SeedRow {
  flags: readonly (readonly [label: string, option: SeedStringOption])[];
  variable: string;
  /** Path inside the mirror. */
  path: readonly string[];
  kind: SeedKind;
}

/** The mirror settings of sync.sh, as the README's migration table lists them. */
export const MIRROR_ROWS = {
  images: { flags: [['--images', 'images']], variable: 'SYNC_IMAGES', path: ['repositories', 'include'], kind: 'regex' },
  tags: { flags: [['--tags', 'tags']], variable: 'SYNC_TAGS', path: ['tags', 'include'], kind: 'regex' },
  exclude: { flags: [['--exclude', 'exclude']], variable: 'SYNC_EXCLUDE', path: ['tags', 'exclude'], kind: 'regex' },
  age: { flags: [['--age', 'age']], variable: 'SYNC_AGE', path: ['tags', 'maxAge'], kind: 'text' },
  max: {
    flags: [
      ['--max', 'max'],
      ['--maximum', 'maximum'],
    ],
    variable: 'SYNC_MAX',
    path: ['tags', 'latest'],
    kind: 'latest',
  },
  rename: { flags: [['--rename', 'rename']], variable: 'SYNC_RENAME', path: ['rename'], kind: 'text' },
  queue: { flags: [['--queue', 'queue']], variable: 'SYNC_QUEUE', path: ['removalQueue'], kind: 'count' },
} as const satisfies Record<string, SeedRow>;

/** Credentials per side: they land under registries.<host of that side>. */
export const AUTH_ROWS = {
  SRC: {
    flags: [
      ['--src-auth', 'srcAuth'],
      ['--source-auth', 'sourceAuth'],
    ],
    variable: 'SYNC_SRC_AUTH',
  },
  DST: {
    flags: [
      ['--dst-auth', 'dstAuth'],
      ['--dest-auth', 'destAuth'],
      ['--destination-auth', 'destinationAuth'],
    ],
    variable: 'SYNC_DST_AUTH',
  },
} as const satisfies Record<string, Pick<SeedRow, 'flags' | 'variable'>>;

/** The two registries: the variable wins over the positional, as in sync.sh. */
export const ENDPOINT_ROWS = [
  { key: 'source', positional: 'SOURCE', index: 0, variable: 'SYNC_SRC_REGISTRY', authFlag: '--src-auth' },
  { key: 'destination', positional: 'DESTINATION', index: 1, variable: 'SYNC_DST_REGISTRY', authFlag: '--dst-auth' },
] as const;

/** Environment variables that carry seed settings (the flags' counterparts). */
export const SEED_ENV = {
  ...Object.fromEntries(Object.entries(MIRROR_ROWS).map(([key, row]) => [key, row.variable])),
  srcAuth: AUTH_ROWS.SRC.variable,
  dstAuth: AUTH_ROWS.DST.variable,
  source: 'SYNC_SRC_REGISTRY',
  destination: 'SYNC_DST_REGISTRY',
  dryRun: 'SYNC_DRYRUN',
} as const;

/** Options that define a mirror: --dry-run and other commands' own options do not. */
export const SEED_SETTING_KEYS: readonly SeedStringOption[] = [
  ...Object.values(MIRROR_ROWS).flatMap((row) => row.flags.map(([, option]) => option)),
  ...Object.values(AUTH_ROWS).flatMap((row) => row.flags.map(([, option]) => option)),
  'executor',
];

/** A value and the flag or variable it came from. */
export interface Setting {
  value: string;
  label: string;
}

/** The first flag given, else the variable (empty counts as unset, as in the shell script). */
export function readSetting(row: Pick<SeedRow, 'flags' | 'variable'>, options: SeedOptions, env: NodeJS.ProcessEnv): Setting | undefined {
  for (const [label, option] of row.flags) {
    const value = options[option];
    if (value !== undefined) return { value, label };
  }
  const fromEnv = nonEmpty(env[row.variable]);
  return fromEnv === undefined ? undefined : { value: fromEnv, label: row.variable };
}

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
