/**
 * Helpers for the `regsync apply` integration tests: the planner's seeded lab (plan-fixture.ts) with every mirror
 * on the registry executor, an index with an attestation child added, and assertions on real registry content.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ApplyResult } from '../../src/apply/types.js';
import type { Plan } from '../../src/plan/types.js';
import { pushImage, rawManifest } from '../harness/images.js';
import type { ImageSpec } from '../harness/images.js';
import type { RegistryInstance } from '../harness/registry.js';
import { MAIN_CONFIG, startLab } from './plan-fixture.js';
import type { Lab } from './plan-fixture.js';

/** MAIN_CONFIG with the docker mirror on the registry executor too (the docker executor has its own tests). */
export const REGISTRY_CONFIG = MAIN_CONFIG.replace('executor: docker', 'executor: registry');

/** A two-platform index whose linux/amd64 image carries a buildx-style attestation child. */
export const ATTESTED: ImageSpec = {
  content: 'app2-220',
  created: '2024-06-10T00:00:00Z',
  platforms: ['linux/amd64', 'linux/arm64'],
  attestation: true,
};

/** The seeded lab plus team/app2:v2.2.0 (ATTESTED), and the config written as regsync.yaml. */
export async function startApplyLab(): Promise<{ lab: Lab; config: string }> {
  const lab = await startLab();
  await pushImage({ url: lab.source.url }, 'team/app2', 'v2.2.0', ATTESTED);
  return { lab, config: await lab.writeConfig('regsync.yaml', REGISTRY_CONFIG) };
}

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validateResult = ajv.compile(
  JSON.parse(readFileSync(new URL('../../schemas/apply-result.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>,
);

/** Parses `apply --json` output and checks it against schemas/apply-result.schema.json. */
export function parseApplyResult(stdout: string): ApplyResult {
  const result = JSON.parse(stdout) as unknown;
  assert.ok(validateResult(result), JSON.stringify(validateResult.errors, null, 2));
  return result as ApplyResult;
}

/** id → status of an apply result. */
export function statuses(result: ApplyResult): Record<string, string> {
  return Object.fromEntries(result.changes.map((change) => [change.id, change.status]));
}

/** Every manifest of a tag (the top one and each child of an index) has the same bytes at the destination. */
export async function assertByteIdentical(from: RegistryInstance, fromRepo: string, to: RegistryInstance, toRepo: string, tag: string) {
  const want = await rawManifest(from, fromRepo, tag);
  const got = await rawManifest(to, toRepo, tag);
  assert.ok(want !== null, `${fromRepo}:${tag} is missing at the source`);
  assert.ok(got !== null, `${toRepo}:${tag} is missing at the destination`);
  assert.equal(got.digest, want.digest, `${toRepo}:${tag}`);
  assert.deepEqual(got.bytes, want.bytes);
  assert.equal(got.mediaType, want.mediaType);
  const document = JSON.parse(want.bytes.toString('utf8')) as { manifests?: Array<{ digest: string }> };
  for (const child of document.manifests ?? []) {
    assert.equal((await rawManifest(to, toRepo, child.digest))?.digest, child.digest, `${toRepo}@${child.digest}`);
  }
}

/** Creates and updates of a plan, as [target repository, tag, source repository]. */
export function copiesOf(plan: Plan): Array<[string, string, string]> {
  return plan.changes
    .filter((change) => change.action === 'create' || change.action === 'update')
    .map((change) => [change.target.repository, change.target.tag!, change.source!.repository]);
}
