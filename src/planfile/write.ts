import { rename, rm, writeFile } from 'node:fs/promises';
import type { Plan } from '../plan/types.js';
import { RegsyncError } from '../util/errors.js';
import { toDocument } from './document.js';

/** The plan file's text, also what `regsync plan --json` prints: stable key order, 2-space indentation, a final newline. */
export function serializePlan(plan: Plan): string {
  return `${JSON.stringify(toDocument(plan), null, 2)}\n`;
}

function writeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'its directory does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** Writes the plan file atomically: a reader (or an interrupted run) never sees half a plan. */
export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, serializePlan(plan), 'utf8');
    await rename(temporary, path);
  } catch (error) {
    // The temporary name is ours, not the user's: name the file they asked for and what to do.
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new RegsyncError(`cannot write plan file ${path}: ${writeFailure(error)}; choose another --out path`, {
      code: 'USAGE',
      cause: error,
    });
  }
}
