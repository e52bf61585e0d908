import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
// Resolved here: the command may run from a temp directory, where `--import tsx` would not find the package.
const TSX = import.meta.resolve('tsx');

/** The argv that runs regsync from source (no build needed): node --import tsx src/cli.ts ARGS. */
export function regsyncArgv(args: readonly string[]): string[] {
  return [process.execPath, '--import', TSX, CLI, ...args];
}
