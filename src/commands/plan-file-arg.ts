import { existsSync } from 'node:fs';
import path from 'node:path';
import { RegsyncError } from '../util/errors.js';

/** What else on the command line says the positionals are sync.sh's SOURCE DESTINATION. */
export interface SyncShHints {
  env: NodeJS.ProcessEnv;
  /** A sync.sh flag (-t, -i, --src-auth...) was given. */
  seedFlags: boolean;
}

/**
 * Written as a registry location, not a file name: `host:port`, `host/prefix`, `ocidir://dir`, `localhost`. A bare
 * name such as `plan.jsn` or `registry.example.com` is not enough on its own to be taken for a registry.
 */
function looksLikeRegistry(text: string): boolean {
  return text.startsWith('ocidir://') || text.includes('/') || text.includes(':') || text === 'localhost';
}

/**
 * One positional names a saved plan when it is a file or ends in .json; also when it is no registry location and
 * nothing else makes it sync.sh's SOURCE (a destination in SYNC_DST_REGISTRY, a sync.sh flag): a typo such as
 * `plan.jsn` is then `no plan file plan.jsn`, not a missing DESTINATION. Otherwise the positionals are sync.sh's
 * SOURCE DESTINATION. Returns [planFile, positionals left for the config].
 */
export function splitPlanFile(positionals: string[], cwd: string, hints: SyncShHints): [string | null, string[]] {
  const [only] = positionals;
  if (positionals.length !== 1 || only === undefined) return [null, positionals];
  const file = path.resolve(cwd, only);
  if (existsSync(file)) return [file, []];
  const destinationElsewhere = (hints.env.SYNC_DST_REGISTRY ?? '') !== '';
  const syncSh = !only.endsWith('.json') && (looksLikeRegistry(only) || destinationElsewhere || hints.seedFlags);
  if (syncSh) return [null, positionals];
  throw new RegsyncError(
    `no plan file ${only}: no such file in ${cwd}; save a plan with regsync plan --out FILE, or give both SOURCE and DESTINATION for the sync.sh style`,
    { code: 'USAGE' },
  );
}
