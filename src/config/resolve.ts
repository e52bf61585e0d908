import { RegsyncError } from '../util/errors.js';
import type { LoadedConfig } from './load.js';
import { checkDocument, loadConfigFile } from './load.js';
import { normalizeConfig } from './normalize.js';
import { buildSeedDocument, hasSeedEnvironment, hasSeedInput, seedLocator } from './seed-flags.js';
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
  /** Things the user should know that are not errors (printed on stderr unless --quiet). */
  warnings: string[];
  /** For configs from flags: the registry host → SRC/DST, so printing can show ${SYNC_SRC_PASSWORD} placeholders. */
  credentialSides: Map<string, 'SRC' | 'DST'>;
}

/**
 * The one entry point commands use. Flags mode when SOURCE/DESTINATION or any seed flag is given, or when no
 * config file is named and SYNC_SRC_REGISTRY and SYNC_DST_REGISTRY are both set; otherwise the config file.
 */
export async function resolveConfig(options: ResolveOptions): Promise<ResolvedConfig> {
  const configFile = options.options.config ?? nonEmpty(options.env.REGSYNC_CONFIG);
  const flagsGiven = hasSeedInput(options.positionals, options.options);
  if (flagsGiven && options.options.config !== undefined) {
    throw new RegsyncError('give either -c FILE or SOURCE DESTINATION with flags, not both', { code: 'USAGE' });
  }
  const dryRunFlag = options.options.dryRun === true || options.options.dryrun === true || options.env.SYNC_DRYRUN === '1';
  if (!flagsGiven && (configFile !== undefined || !hasSeedEnvironment(options.env))) {
    // Only -c is passed on: locateConfig reads REGSYNC_CONFIG itself, so its errors can name the variable.
    const loaded = await loadConfigFile({ configFile: options.options.config, cwd: options.cwd, env: options.env });
    return { ...loaded, dryRun: dryRunFlag, warnings: [], credentialSides: new Map() };
  }
  const seed = buildSeedDocument(options.positionals, options.options, options.env);
  // Flag values were already expanded by the shell: no ${VAR} expansion here.
  const { document, secrets } = checkDocument(seed.raw, null, seedLocator(seed.origins), 'command line', seed.secrets, seed.problems);
  const config = normalizeConfig(document, { file: null, baseDir: options.cwd });
  return {
    config,
    secrets,
    document,
    origin: { kind: 'flags' },
    dryRun: seed.dryRun,
    warnings: seed.warnings,
    credentialSides: seed.credentialSides,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
