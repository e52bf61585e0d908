import { readFile } from 'node:fs/promises';
import { configDigest } from '../config/digest.js';
import type { Config } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import { RegsyncError } from '../util/errors.js';
import { configMismatch } from './config-match.js';
import { fromDocument } from './document.js';
import type { PlanDocument } from './document.js';
import { schemaProblems } from './schema.js';
import { structureProblems } from './structure.js';
import { PLAN_FORMAT_VERSION } from './version.js';

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : `it cannot be read (${code ?? 'unknown error'})`;
    throw new RegsyncError(`cannot read plan file ${path}: ${why}; write one with regsync plan --out ${path}`, {
      code: 'PLAN_INVALID',
      cause: error,
    });
  }
}

/** Every problem of a parsed document: the schema's first; the structural checks only on a schema-valid one. */
export function planProblems(document: unknown): string[] {
  const schema = schemaProblems(document);
  return schema.length > 0 ? schema : structureProblems(document as PlanDocument);
}

/** The file's text as a plan document: JSON, this format version, the schema, then the structural checks. */
export function parsePlanText(path: string, text: string): PlanDocument {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new RegsyncError(`plan file ${path} is not JSON: ${(error as Error).message}`, { code: 'PLAN_INVALID', cause: error });
  }
  // Another version is named as such, before its schema problems (every field could differ).
  const version = (document as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version !== PLAN_FORMAT_VERSION) {
    throw new RegsyncError(`plan file made by another regsync version (formatVersion ${version}): run regsync plan again`, {
      code: 'PLAN_INVALID',
    });
  }
  const problems = planProblems(document);
  if (problems.length > 0) {
    throw new RegsyncError(
      `plan file ${path} is not a valid regsync plan (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}; run regsync plan --out ${path} again`,
      { code: 'PLAN_INVALID', details: problems.join('\n') },
    );
  }
  return document as PlanDocument;
}

/** Reads a plan file (schemas/plan.schema.json and its structural checks); PLAN_INVALID lists every problem. */
export async function readPlanFile(path: string): Promise<Plan> {
  return fromDocument(parsePlanText(path, await readText(path)));
}

/**
 * Reads a saved plan for `regsync apply PLAN.json`, once, and refuses before anything runs one from another
 * format version, one failing the schema or its structural checks, one made from another config, and one the
 * config could not have produced (an edited target, a delete outside the mirror, other platforms).
 */
export async function readSavedPlan(path: string, config: Config): Promise<Plan> {
  const document = parsePlanText(path, await readText(path));
  if (document.configDigest !== configDigest(config)) {
    throw new RegsyncError('the config changed since this plan was made: run regsync plan again', { code: 'PLAN_STALE' });
  }
  const mismatch = configMismatch(config, document);
  if (mismatch !== null) throw new RegsyncError(mismatch, { code: 'PLAN_INVALID' });
  return fromDocument(document);
}
