import { planTextChunks, serializePlan } from '../planfile/write.js';
import type { Plan } from '../plan/types.js';

/** The plan JSON exactly as a plan file holds it. */
export function renderJson(plan: Plan): string {
  return serializePlan(plan);
}

/** The same text in pieces of about 64 KiB, to write one after another: a large plan is never one string. */
export function renderJsonChunks(plan: Plan): Iterable<string> {
  return planTextChunks(plan);
}
