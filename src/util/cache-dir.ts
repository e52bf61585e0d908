import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * regsync's cache directory (the facts cache, the compiled program): REGSYNC_CACHE_DIR, else
 * $XDG_CACHE_HOME/regsync, else ~/.cache/regsync. REGSYNC_CACHE_DIR set to an empty string turns the disk caches off.
 */
export function resolveCacheDir(env: NodeJS.ProcessEnv): string | null {
  const explicit = env.REGSYNC_CACHE_DIR;
  if (explicit !== undefined) return explicit === '' ? null : explicit;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && xdg !== '') return join(xdg, 'regsync');
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
  return join(home, '.cache', 'regsync');
}
