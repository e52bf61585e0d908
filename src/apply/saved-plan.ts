import { readFile } from 'node:fs/promises';
import { readPlanFile } from '../plan/plan-file.js';
import type { Plan } from '../plan/types.js';
import { RegsyncError } from '../util/errors.js';

const FORMAT_VERSION = 2;

/** The formatVersion a plan file declares, when it is JSON with a numeric one; null otherwise (readPlanFile explains). */
async function declaredVersion(file: string): Promise<number | null> {
  try {
    const document = JSON.parse(await readFile(file, 'utf8')) as { formatVersion?: unknown } | null;
    return typeof document?.formatVersion === 'number' ? document.formatVersion : null;
  } catch {
    return null;
  }
}

/**
 * Reads a saved plan for `regsync apply PLAN.json` and refuses, before anything runs, one from another regsync
 * version, one failing schemas/plan.schema.json or its consistency checks, and one made from another config.
 */
export async function loadSavedPlan(file: string, currentConfigDigest: string): Promise<Plan> {
  const version = await declaredVersion(file);
  if (version !== null && version !== FORMAT_VERSION) {
    throw new RegsyncError(`plan file made by another regsync version (formatVersion ${version}): run regsync plan again`, {
      code: 'PLAN_INVALID',
    });
  }
  const plan = await readPlanFile(file);
  if (plan.configDigest !== currentConfigDigest) {
    throw new RegsyncError('the config changed since this plan was made: run regsync plan again', { code: 'PLAN_STALE' });
  }
  return plan;
}
