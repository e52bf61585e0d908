import type { PlanDocument } from './document.js';

/**
 * What the schema cannot say and needs no config: ids that are their targets' refs, unique targets, sources where
 * a change copies, the shard, a summary that matches the changes. (Whether a ref is its parts is checked with the
 * config, config-match.ts; a Plan read from a file shows refs derived from the parts in any case.)
 */
export function structureProblems(plan: PlanDocument): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  plan.changes.forEach((change, i) => {
    if (change.id !== `${change.mirror}:${change.target.ref}`)
      problems.push(`/changes/${i}/id: must be "${change.mirror}:${change.target.ref}"`);
    if (seen.has(change.id)) problems.push(`/changes/${i}/id: ${change.id} appears twice`);
    seen.add(change.id);
    // A destination tag prune keeps (a kept tag shares its digest, or it refers to one) has no source either.
    const sourceless =
      change.action === 'delete' || change.reason === 'digest-shared-with-kept-tag' || change.reason === 'referrer-of-kept-tag';
    if (!sourceless && change.source === null)
      problems.push(`/changes/${i}/source: only a delete or a noop digest-shared-with-kept-tag or referrer-of-kept-tag has no source`);
  });
  if (plan.shard !== undefined && plan.shard.index >= plan.shard.count)
    problems.push(`/shard/index: is ${plan.shard.index} but must be below count ${plan.shard.count}`);
  const expected = { create: 0, update: 0, delete: 0, noop: 0, skipped: plan.skipped.length };
  for (const change of plan.changes) expected[change.action] += 1;
  for (const key of ['create', 'update', 'delete', 'noop', 'skipped'] as const) {
    if (plan.summary[key] !== expected[key]) problems.push(`/summary/${key}: is ${plan.summary[key]} but the plan has ${expected[key]}`);
  }
  return problems;
}
