import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { RegsyncError } from '../util/errors.js';

/** Where cosmiconfig looks, in order, in the current directory only. */
export const SEARCH_PLACES = [
  'regsync.yaml',
  'regsync.yml',
  'regsync.config.yaml',
  '.regsyncrc',
  '.regsyncrc.yaml',
  '.regsyncrc.yml',
  '.regsyncrc.json',
  'regsync.json',
];

/** A config file's text and names. */
export interface ConfigFileText {
  /** Absolute path. */
  file: string;
  /** As the user gave it, or relative to the cwd when discovered: what error messages print. */
  displayName: string;
  text: string;
}

// cosmiconfig only finds the file: every format is parsed later by the yaml package (JSON is YAML 1.2), which
// keeps the positions error messages need. The loader therefore hands back the raw text untouched.
const passThrough = (_filepath: string, content: string): { text: string } => ({ text: content });

/**
 * Reads the config named by `-c`/REGSYNC_CONFIG, or discovers it in `cwd` (never in parent directories: a
 * config elsewhere on the machine must not be picked up by surprise).
 */
export async function locateConfig(options: {
  configFile?: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
}): Promise<ConfigFileText> {
  const fromEnv = options.configFile === undefined ? nonEmpty(options.env.REGSYNC_CONFIG) : undefined;
  const given = options.configFile ?? fromEnv;
  if (given !== undefined) {
    const file = path.resolve(options.cwd, given);
    try {
      return { file, displayName: given, text: await readFile(file, 'utf8') };
    } catch (error) {
      throw configReadError(given, error, fromEnv === undefined ? '-c' : 'REGSYNC_CONFIG');
    }
  }
  await refuseSeveralConfigFiles(options.cwd);
  // Only a search needs cosmiconfig; `-c FILE` (the usual case in CI) does not pay for loading it.
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig('regsync', {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'none',
    mergeSearchPlaces: false,
    ignoreEmptySearchPlaces: false,
    cache: false,
    loaders: { '.yaml': passThrough, '.yml': passThrough, '.json': passThrough, noExt: passThrough },
  });
  let found: { filepath: string } | null;
  try {
    found = await explorer.search(options.cwd);
  } catch (error) {
    throw configReadError(options.cwd, error, 'search');
  }
  if (found === null) {
    await explainSkippedPlaces(options.cwd);
    throw new RegsyncError(
      `no config file found in ${options.cwd}: create regsync.yaml (see examples/quickstart/regsync.yaml) or pass -c FILE`,
      { code: 'CONFIG_NOT_FOUND', details: `looked for: ${SEARCH_PLACES.join(', ')}` },
    );
  }
  const displayName = path.relative(options.cwd, found.filepath) || found.filepath;
  try {
    return { file: found.filepath, displayName, text: await readFile(found.filepath, 'utf8') };
  } catch (error) {
    throw configReadError(displayName, error, 'search');
  }
}

/** The search places that exist as files in `cwd`, in search order. */
export async function configFilesIn(cwd: string): Promise<string[]> {
  const found: string[] = [];
  for (const place of SEARCH_PLACES) {
    try {
      if ((await stat(path.join(cwd, place))).isFile()) found.push(place);
    } catch {
      // Absent (or unreadable: explainSkippedPlaces names that one when nothing else is found).
    }
  }
  return found;
}

/**
 * Two config files side by side (regsync.yaml and regsync.yml) mean one of them is not what the user reviewed:
 * picking one by search order would plan the other's mirrors without a word. Name them all instead.
 */
async function refuseSeveralConfigFiles(cwd: string): Promise<void> {
  const found = await configFilesIn(cwd);
  if (found.length < 2) return;
  const names = `${found.slice(0, -1).join(', ')} and ${found[found.length - 1] ?? ''}`;
  const [count, rest] = found.length === 2 ? ['two', 'the other'] : [String(found.length), 'the others'];
  throw new RegsyncError(`${count} config files in ${cwd}: ${names}; keep one (remove or rename ${rest}), or choose with -c FILE`, {
    code: 'CONFIG_INVALID',
  });
}

/**
 * cosmiconfig silently skips a search place it cannot read (a directory, no permission): "no config file found"
 * would then send the user looking for a file that is right there. Name it and the reason instead.
 */
async function explainSkippedPlaces(cwd: string): Promise<void> {
  for (const place of SEARCH_PLACES) {
    try {
      await readFile(path.join(cwd, place));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw configReadError(place, error, 'search');
    }
  }
}

/** The error for a config file that cannot be read: what is wrong with it and what to do. */
export function configReadError(name: string, error: unknown, via: '-c' | 'REGSYNC_CONFIG' | 'search'): RegsyncError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  // A path from the environment is easy to forget: say where it came from.
  const what = via === 'REGSYNC_CONFIG' ? `config file ${name} (from REGSYNC_CONFIG)` : `config file ${name}`;
  const fix = via === 'REGSYNC_CONFIG' ? 'fix or unset REGSYNC_CONFIG' : via === '-c' ? 'pass the path of a file with -c' : 'pass -c FILE';
  const message =
    code === 'ENOENT'
      ? `${what} not found${via === 'REGSYNC_CONFIG' ? `: ${fix}` : ''}`
      : code === 'EISDIR'
        ? `${what} is a directory, not a file: ${via === 'search' ? 'rename or remove it, or ' : ''}${fix}`
        : code === 'EACCES' || code === 'EPERM'
          ? `${what} cannot be read (permission denied): check its permissions, or ${fix}`
          : `${what} cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`;
  return new RegsyncError(message, { code: 'CONFIG_NOT_FOUND', cause: error, details: error instanceof Error ? error.message : undefined });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
