import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * One positional names a saved plan when it is a file or ends in .json; otherwise positionals are sync.sh's
 * SOURCE DESTINATION. Returns [planFile, positionals left for the config].
 */
export function splitPlanFile(positionals: string[], cwd: string): [string | null, string[]] {
  const [only] = positionals;
  if (positionals.length !== 1 || only === undefined) return [null, positionals];
  if (only.endsWith('.json') || existsSync(path.resolve(cwd, only))) return [path.resolve(cwd, only), []];
  return [null, positionals];
}
