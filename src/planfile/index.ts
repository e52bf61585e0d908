/**
 * The plan file, owned here (as terraform's planfile beside its in-memory plan): the format version, the file's
 * own document types, the writer (also `regsync plan --json`), and the one reader: JSON, version, schema,
 * structure, and for `apply PLAN.json` the config digest and what the config could have produced.
 */
export { planProblems, readPlanFile, readSavedPlan } from './read.js';
export { serializePlan, writePlanFile } from './write.js';
export { planSchemaText } from './schema.js';
export { PLAN_FORMAT_VERSION } from './version.js';
export type { PlanDocument } from './document.js';
