import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
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
export async function locateConfig(options: { configFile?: string | undefined; cwd: string; env: NodeJS.ProcessEnv }): Promise<ConfigFileText> {
  const given = options.configFile ?? nonEmpty(options.env.REGSYNC_CONFIG);
  if (given !== undefined) {
    const file = path.resolve(options.cwd, given);
    try {
      return { file, displayName: given, text: await readFile(file, 'utf8') };
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'cannot be read';
      throw new RegsyncError(`config file ${given} ${reason}`, { code: 'CONFIG_NOT_FOUND', cause: error });
    }
  }
  const explorer = cosmiconfig('regsync', {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'none',
    mergeSearchPlaces: false,
    ignoreEmptySearchPlaces: false,
    cache: false,
    loaders: { '.yaml': passThrough, '.yml': passThrough, '.json': passThrough, noExt: passThrough },
  });
  const found = await explorer.search(options.cwd);
  if (found === null) {
    throw new RegsyncError(
      `no config file found in ${options.cwd}: create regsync.yaml (see examples/quickstart/regsync.yaml) or pass -c FILE`,
      { code: 'CONFIG_NOT_FOUND', details: `looked for: ${SEARCH_PLACES.join(', ')}` },
    );
  }
  const text = await readFile(found.filepath, 'utf8');
  return { file: found.filepath, displayName: path.relative(options.cwd, found.filepath) || found.filepath, text };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
