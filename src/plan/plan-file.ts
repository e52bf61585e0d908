import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { RegsyncError } from '../util/errors.js';
import { planProblems } from './plan-check.js';
import { serializePlan } from './serialize.js';
import type { Plan } from './types.js';

export { serializePlan };

/** Writes the plan JSON atomically: a reader (or an interrupted run) never sees half a plan. */
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

function writeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'its directory does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** Reads and validates a plan file (schemas/plan.schema.json and consistency); PLAN_INVALID lists every problem. */
export async function readPlanFile(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : `it cannot be read (${code ?? 'unknown error'})`;
    throw new RegsyncError(`cannot read plan file ${path}: ${why}; write one with regsync plan --out ${path}`, {
      code: 'PLAN_INVALID',
      cause: error,
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new RegsyncError(`plan file ${path} is not JSON: ${(error as Error).message}`, { code: 'PLAN_INVALID', cause: error });
  }
  const problems = planProblems(document);
  if (problems.length > 0) {
    throw new RegsyncError(
      `plan file ${path} is not a valid regsync plan (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}; run regsync plan --out ${path} again`,
      { code: 'PLAN_INVALID', details: problems.join('\n') },
    );
  }
  return document as Plan;
}
