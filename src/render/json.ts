import { serializePlan } from '../planfile/write.js';
import type { Plan } from '../plan/types.js';

/** The plan JSON exactly as a plan file holds it. */
export function renderJson(plan: Plan): string {
  return serializePlan(plan);
}
