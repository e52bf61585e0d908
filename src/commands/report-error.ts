import { isConfigError } from '../config/problems.js';
import type { Config } from '../config/types.js';
import { isRegsyncError } from '../util/errors.js';
import { adviseMessage, runWording } from './error-advice.js';
import type { OutStream } from './shared.js';

/**
 * One clear line (or one per config problem); details and stack only with --verbose. `config` is the run's
 * config once resolved (null before). Anything that is not a
 * RegsyncError escaped every layer's error handling: it is a bug, and says so rather than "unexpected error".
 */
export function reportError(error: unknown, stderr: OutStream, verbose: boolean, config: Config | null = null): void {
  if (isConfigError(error)) {
    for (const problem of error.problems) stderr.write(`${problem}\n`);
    const count = error.problems.length === 1 ? '1 problem' : `${error.problems.length} problems`;
    stderr.write(`regsync: invalid config (${count})\n`);
    return;
  }
  if (isRegsyncError(error)) {
    // Hints become advice for the way the run was configured (config file, sync.sh flags, environment).
    stderr.write(`regsync: ${adviseMessage(error, runWording(config))}\n`);
    if (verbose && error.details !== undefined) stderr.write(`${error.details}\n`);
    if (verbose && error.stack !== undefined) stderr.write(`${error.stack}\n`);
    return;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const where = verbose ? '' : ' (--verbose shows where)';
  stderr.write(`regsync: internal error: ${message}: a bug in regsync, please report it${where}\n`);
  if (verbose && error instanceof Error && error.stack !== undefined) stderr.write(`${error.stack}\n`);
}
