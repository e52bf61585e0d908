// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import prettierConfig from 'eslint-config-prettier';

/**
 * The one-way imports of ARCHITECTURE.md:
 *   cli/commands → config, inventory, plan, planfile, render, apply → registry, util
 *   cli/commands → serve → (the pipeline, through src/serve/pipeline.ts alone) → config, plan, apply, registry, util
 * plan and render are pure: they import only plan types and util (plan may read config types); planfile reads and
 * writes the plan file (plan + config), and render's JSON is its text.
 */
const layer = (name) => [`**/${name}`, `**/${name}/**`, `**/${name}.js`];
const forbid = (message, ...names) => ({ group: names.flatMap(layer), message });

/** @type {Record<string, string[]>} */
const forbiddenByLayer = {
  'src/util/**': ['cli', 'commands', 'config', 'inventory', 'plan', 'planfile', 'render', 'apply', 'registry', 'serve'],
  'src/registry/**': ['cli', 'commands', 'config', 'inventory', 'plan', 'planfile', 'render', 'apply', 'serve'],
  'src/config/**': ['cli', 'commands', 'inventory', 'plan', 'planfile', 'render', 'apply', 'registry', 'serve'],
  'src/plan/**': ['cli', 'commands', 'inventory', 'planfile', 'render', 'apply', 'registry', 'serve'],
  // The plan file: the Plan ⇄ its file, checked against the config; render's JSON is the file's text.
  'src/planfile/**': ['cli', 'commands', 'inventory', 'render', 'apply', 'registry', 'serve'],
  'src/render/**': ['cli', 'commands', 'config', 'inventory', 'apply', 'registry', 'serve'],
  'src/inventory/**': ['cli', 'commands', 'planfile', 'render', 'apply', 'serve'],
  'src/apply/**': ['cli', 'commands', 'inventory', 'planfile', 'render', 'serve'],
  // serve schedules runs of the pipeline and reports them as metrics; commands/serve.ts is its only caller.
  'src/serve/**': ['cli', 'commands', 'planfile', 'render'],
};
const pureModules = ['execa', 'listr2', 'undici', 'node:http', 'node:https', 'node:net', 'node:child_process'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tmp/**', 'coverage/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'test/*.mjs', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // A cycle between two modules means one of them owns a type or rule that belongs to the other (ARCHITECTURE.md).
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  ...Object.entries(forbiddenByLayer).map(([files, names]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            forbid(`ARCHITECTURE.md: ${files.split('/')[1]} must not import ${names.join(', ')}`, ...names),
            ...(files === 'src/plan/**' || files === 'src/render/**'
              ? [{ group: pureModules, message: 'plan and render are pure: no network, processes or task runners' }]
              : []),
          ],
        },
      ],
    },
  })),
  {
    // The one adapter from serve to the plan/apply pipeline: it calls the functions `plan` and `apply` use until the
    // run composition lives in src/run/; no other serve file reaches commands.
    files: ['src/serve/pipeline.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The inventory gathers facts and never decides: it may name the planner's types, not call its logic.
    files: ['src/inventory/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layer('plan'),
              allowTypeImports: true,
              message: 'ARCHITECTURE.md: inventory may import plan types only; shared helpers belong in util',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', '*.js', '*.mjs'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettierConfig,
);
