import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

// Proves the one-way import rule of ARCHITECTURE.md is live: lint a probe file placed (virtually) in a layer.
const cwd = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The probe files do not exist, so the type-aware parser cannot find them in the project: lint them without type
// information (typescript-eslint's own preset for that). The import rules under test come from eslint.config.js untouched.
const eslint = new ESLint({ cwd, overrideConfig: [{ ...tseslint.configs.disableTypeChecked, files: ['src/**/probe.ts'] }] });

async function importErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  assert.ok(result !== undefined);
  const fatal = result.messages.filter((m) => m.fatal === true);
  assert.deepEqual(fatal, [], 'the probe could not be linted');
  const rules = new Set(['no-restricted-imports', '@typescript-eslint/no-restricted-imports']);
  return result.messages.filter((m) => m.ruleId !== null && rules.has(m.ruleId) && m.severity === 2).map((m) => m.message);
}

const cases: { file: string; code: string; forbidden: boolean }[] = [
  {
    file: 'src/plan/probe.ts',
    code: "import type { Registry } from '../registry/types.js';\nexport type X = Registry;\n",
    forbidden: true,
  },
  { file: 'src/plan/probe.ts', code: "import type { Plan } from './types.js';\nexport type X = Plan;\n", forbidden: false },
  { file: 'src/plan/probe.ts', code: "import type { Config } from '../config/types.js';\nexport type X = Config;\n", forbidden: false },
  { file: 'src/plan/probe.ts', code: "import { execa } from 'execa';\nexport const x = execa;\n", forbidden: true },
  {
    file: 'src/render/probe.ts',
    code: "import type { Registry } from '../registry/types.js';\nexport type X = Registry;\n",
    forbidden: true,
  },
  {
    file: 'src/config/probe.ts',
    code: "import type { Registry } from '../registry/types.js';\nexport type X = Registry;\n",
    forbidden: true,
  },
  { file: 'src/registry/probe.ts', code: "import type { Config } from '../config/types.js';\nexport type X = Config;\n", forbidden: true },
  { file: 'src/util/probe.ts', code: "import type { Plan } from '../plan/types.js';\nexport type X = Plan;\n", forbidden: true },
  {
    file: 'src/commands/probe.ts',
    code: "import type { Registry } from '../registry/index.js';\nexport type X = Registry;\n",
    forbidden: false,
  },
  // The inventory gathers facts and never decides: the planner's types yes, its logic no.
  {
    file: 'src/inventory/probe.ts',
    code: "import type { Inventory } from '../plan/types.js';\nexport type X = Inventory;\n",
    forbidden: false,
  },
  {
    file: 'src/inventory/probe.ts',
    code: "import { needsImageFacts } from '../plan/filters.js';\nexport const x = needsImageFacts;\n",
    forbidden: true,
  },
  // The plan file: read by commands, written from the Plan; the planner and apply never import it.
  {
    file: 'src/planfile/probe.ts',
    code: "import type { Registry } from '../registry/types.js';\nexport type X = Registry;\n",
    forbidden: true,
  },
  { file: 'src/planfile/probe.ts', code: "import { applyRun } from '../apply/run.js';\nexport const x = applyRun;\n", forbidden: true },
  { file: 'src/planfile/probe.ts', code: "import type { Config } from '../config/types.js';\nexport type X = Config;\n", forbidden: false },
  {
    file: 'src/plan/probe.ts',
    code: "import { serializePlan } from '../planfile/index.js';\nexport const x = serializePlan;\n",
    forbidden: true,
  },
  {
    file: 'src/apply/probe.ts',
    code: "import { readPlanFile } from '../planfile/index.js';\nexport const x = readPlanFile;\n",
    forbidden: true,
  },
  {
    file: 'src/commands/probe.ts',
    code: "import { readSavedPlan } from '../planfile/index.js';\nexport const x = readSavedPlan;\n",
    forbidden: false,
  },
  // registry/ has one public entry: its index, never a file behind it (type imports included).
  {
    file: 'src/apply/probe.ts',
    code: "import { HttpRegistry } from '../registry/http/client.js';\nexport const x = HttpRegistry;\n",
    forbidden: true,
  },
  {
    file: 'src/apply/executors/probe.ts',
    code: "import type { AuthFile } from '../../registry/http/auth-files.js';\nexport type X = AuthFile;\n",
    forbidden: true,
  },
  {
    file: 'src/commands/probe.ts',
    code: "import { createOcidirRegistry } from '../registry/ocidir/index.js';\nexport const x = createOcidirRegistry;\n",
    forbidden: true,
  },
  {
    file: 'src/apply/probe.ts',
    code: "import { copyImage } from '../registry/index.js';\nexport const x = copyImage;\n",
    forbidden: false,
  },
  { file: 'src/probe.ts', code: "import { copyImage } from './registry/copy.js';\nexport const x = copyImage;\n", forbidden: true },
  // Inside registry, its own files are fair game.
  {
    file: 'src/registry/probe.ts',
    code: "import { HttpRegistry } from './http/client.js';\nexport const x = HttpRegistry;\n",
    forbidden: false,
  },
  // oci: every layer imports it through its index; it imports no other layer but util.
  { file: 'src/plan/probe.ts', code: "import { splitTag } from '../oci/index.js';\nexport const x = splitTag;\n", forbidden: false },
  {
    file: 'src/render/probe.ts',
    code: "import { shortDigest } from '../oci/digest.js';\nexport const x = shortDigest;\n",
    forbidden: true,
  },
  {
    file: 'src/registry/http/probe.ts',
    code: "import { parseManifest } from '../../oci/manifest.js';\nexport const x = parseManifest;\n",
    forbidden: true,
  },
  {
    file: 'src/oci/probe.ts',
    code: "import type { Registry } from '../registry/index.js';\nexport type X = Registry;\n",
    forbidden: true,
  },
  { file: 'src/oci/probe.ts', code: "import type { Config } from '../config/types.js';\nexport type X = Config;\n", forbidden: true },
  {
    file: 'src/oci/probe.ts',
    code: "import { RegsyncError } from '../util/errors.js';\nexport const x = RegsyncError;\n",
    forbidden: false,
  },
  { file: 'src/oci/probe.ts', code: "import { isDigest } from './names.js';\nexport const x = isDigest;\n", forbidden: false },
  // credentials: its own module, entered through its index by the HTTP client and the docker executor.
  {
    file: 'src/apply/executors/probe.ts',
    code: "import { resolveCredentials } from '../../credentials/index.js';\nexport const x = resolveCredentials;\n",
    forbidden: false,
  },
  {
    file: 'src/registry/http/probe.ts',
    code: "import { readAuthFile } from '../../credentials/auth-files.js';\nexport const x = readAuthFile;\n",
    forbidden: true,
  },
  {
    file: 'src/credentials/probe.ts',
    code: "import type { HostOptions } from '../registry/index.js';\nexport type X = HostOptions;\n",
    forbidden: true,
  },
  {
    file: 'src/plan/probe.ts',
    code: "import { resolveCredentials } from '../credentials/index.js';\nexport const x = resolveCredentials;\n",
    forbidden: true,
  },
  { file: 'src/util/probe.ts', code: "import { isDigest } from '../oci/index.js';\nexport const x = isDigest;\n", forbidden: true },
  // The run (src/run) sits between the commands and the layers it composes: neither direction may be reversed.
  { file: 'src/apply/probe.ts', code: "import { planRun } from '../run/index.js';\nexport const x = planRun;\n", forbidden: true },
  {
    file: 'src/inventory/probe.ts',
    code: "import type { RunContext } from '../run/context.js';\nexport type X = RunContext;\n",
    forbidden: true,
  },
  { file: 'src/run/probe.ts', code: "import { runPlan } from '../commands/plan-run.js';\nexport const x = runPlan;\n", forbidden: true },
  { file: 'src/run/probe.ts', code: "import { renderHuman } from '../render/human.js';\nexport const x = renderHuman;\n", forbidden: true },
  { file: 'src/run/probe.ts', code: "import { runApply } from '../apply/run.js';\nexport const x = runApply;\n", forbidden: false },
  { file: 'src/commands/probe.ts', code: "import { planRun } from '../run/index.js';\nexport const x = planRun;\n", forbidden: false },
  // apply's own ./run.js is not the run layer.
  { file: 'src/apply/probe.ts', code: "import { runApply } from './run.js';\nexport const x = runApply;\n", forbidden: false },
];

for (const { file, code, forbidden } of cases) {
  const what = code.split('\n')[0];
  test(`${file}: ${what} is ${forbidden ? 'a lint error' : 'allowed'}`, async () => {
    const errors = await importErrors(file, code);
    if (forbidden) assert.ok(errors.length > 0, 'expected a no-restricted-imports error');
    else assert.deepEqual(errors, []);
  });
}

test('a deep registry import names the front door to use', async () => {
  const [message] = await importErrors(
    'src/apply/probe.ts',
    "import { HttpRegistry } from '../registry/http/client.js';\nexport const x = HttpRegistry;\n",
  );
  assert.match(message ?? '', /import registry\/index\.js, the one public entry of src\/registry/);
});

test('the plan → registry error message points at ARCHITECTURE.md', async () => {
  const [message] = await importErrors(
    'src/plan/probe.ts',
    "import type { Registry } from '../registry/types.js';\nexport type X = Registry;\n",
  );
  assert.match(message ?? '', /ARCHITECTURE\.md: plan must not import/);
});
