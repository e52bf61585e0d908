import { RegsyncError } from '../util/errors.js';
import type { LoadedConfig } from './load.js';
import { checkDocument, loadConfigFile } from './load.js';
import { configFilesIn } from './locate.js';
import { normalizeConfig } from './normalize.js';
import { buildSeedDocument, hasSeedEnvironment, hasSeedInput, seedLocator, setSeedVariables } from './seed-flags.js';
import type { SeedOptions } from './seed-flags.js';

export interface ResolveOptions {
  /** Command-line positionals: SOURCE DESTINATION in the original tool's style. */
  positionals: readonly string[];
  /** Parsed flags: `config` (-c) and the seed flags. */
  options: SeedOptions & { config?: string | undefined };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** A config ready for a command, whether it came from a file or from sync.sh-style flags. */
export interface ResolvedConfig extends LoadedConfig {
  /** `-n/--dry-run` or SYNC_DRYRUN=1 (apply then only plans). */
  dryRun: boolean;
  /** Things the user should know that are not errors (printed on stderr). */
  warnings: string[];
  /** For configs from flags: the registry host → SRC/DST, so printing can show ${SYNC_SRC_PASSWORD} placeholders. */
  credentialSides: Map<string, 'SRC' | 'DST'>;
}

/**
 * The one entry point commands use. The sync.sh mode is chosen by what is typed on the command line (SOURCE
 * DESTINATION or a seed flag); a config file (-c, REGSYNC_CONFIG or found in the cwd) otherwise always wins, so
 * SYNC_* variables left in a shell can never replace the reviewed config. Only when there is no file at all do
 * SYNC_SRC_REGISTRY and SYNC_DST_REGISTRY alone select the sync.sh mode, as sync.sh allowed.
 */
export async function resolveConfig(options: ResolveOptions): Promise<ResolvedConfig> {
  const configFile = options.options.config ?? nonEmpty(options.env.REGSYNC_CONFIG);
  if (hasSeedInput(options.positionals, options.options)) {
    if (options.options.config !== undefined) {
      throw new RegsyncError('give either -c FILE or SOURCE DESTINATION with flags, not both', { code: 'USAGE' });
    }
    return fromFlags(options, await unusedConfigNotice(options));
  }
  if (configFile === undefined && hasSeedEnvironment(options.env) && (await configFilesIn(options.cwd)).length === 0) {
    return fromFlags(options, []);
  }
  // Only -c is passed on: locateConfig reads REGSYNC_CONFIG itself, so its errors can name the variable.
  const loaded = await loadConfigFile({ configFile: options.options.config, cwd: options.cwd, env: options.env });
  const dryRun = options.options.dryRun === true || options.options.dryrun === true || options.env.SYNC_DRYRUN === '1';
  const origin = loaded.origin.kind === 'file' ? loaded.origin.displayName : 'the config file';
  return { ...loaded, dryRun, warnings: ignoredVariablesNotice(options.env, origin), credentialSides: new Map() };
}

/** The one-mirror config of the sync.sh-style command line, validated like a file. */
function fromFlags(options: ResolveOptions, notices: string[]): ResolvedConfig {
  const seed = buildSeedDocument(options.positionals, options.options, options.env);
  // Flag values were already expanded by the shell: no ${VAR} expansion here.
  const { document, secrets } = checkDocument(seed.raw, {
    env: null,
    locate: seedLocator(seed.origins),
    origin: 'command line',
    baseDir: options.cwd,
    knownSecrets: seed.secrets,
    earlier: seed.problems,
  });
  const config = normalizeConfig(document, { file: null, baseDir: options.cwd });
  return {
    config,
    secrets,
    document,
    origin: { kind: 'flags' },
    dryRun: seed.dryRun,
    warnings: [...notices, ...seed.warnings],
    credentialSides: seed.credentialSides,
  };
}

/** The config file the sync.sh-style command line leaves unused, said once so nobody thinks it was planned. */
async function unusedConfigNotice(options: ResolveOptions): Promise<string[]> {
  const replaced = 'the sync.sh-style command line (SOURCE DESTINATION and its flags) replaces it';
  const fromEnv = nonEmpty(options.env.REGSYNC_CONFIG);
  if (fromEnv !== undefined) return [`the config file ${fromEnv} (REGSYNC_CONFIG) is not used: ${replaced}`];
  const found = await configFilesIn(options.cwd);
  if (found.length === 0) return [];
  return [`the config file ${found.join(', ')} in this directory is not used: ${replaced}`];
}

/** One line naming every SYNC_* variable a config file overrides (SYNC_DRYRUN only ever makes apply do less). */
function ignoredVariablesNotice(env: NodeJS.ProcessEnv, origin: string): string[] {
  const ignored = setSeedVariables(env).filter((name) => name !== 'SYNC_DRYRUN');
  if (ignored.length === 0) return [];
  return [
    `ignoring ${ignored.join(', ')}: the config file ${origin} is used (unset ${ignored.length === 1 ? 'it' : 'them'}, or give SOURCE DESTINATION on the command line for the sync.sh mode)`,
  ];
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
