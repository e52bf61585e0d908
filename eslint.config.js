// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import prettierConfig from 'eslint-config-prettier';

/**
 * The one-way imports of ARCHITECTURE.md:
 *   cli/commands → run → config, inventory, plan, planfile, apply → registry → oci → util (commands also render)
 *   cli/commands → serve → run (through src/serve/pipeline.ts alone), config, plan, apply, registry, util
 * run composes a plan and an apply with no terminal I/O; nothing below it imports it. Every layer may import oci
 * (the OCI values); oci imports nothing but util. plan and render are pure: they import only plan types, oci and
 * util (plan may read config types); planfile reads and writes the plan file (plan + config), and render's JSON is
 * its text.
 */
const layer = (name) => [`**/${name}`, `**/${name}/**`, `**/${name}.js`];
// src/run is a folder only: `**/run.js` would also catch apply's own ./run.js.
const layerPatterns = (name) => (name === 'run' ? ['**/run', '**/run/**'] : layer(name));
const forbid = (message, ...names) => ({ group: names.flatMap(layerPatterns), message });

/** @type {Record<string, string[]>} */
const forbiddenByLayer = {
  'src/util/**': [
    'cli',
    'commands',
    'run',
    'config',
    'inventory',
    'plan',
    'planfile',
    'render',
    'apply',
    'registry',
    'oci',
    'credentials',
    'serve',
  ],
  'src/oci/**': [
    'cli',
    'commands',
    'run',
    'config',
    'inventory',
    'plan',
    'planfile',
    'render',
    'apply',
    'registry',
    'credentials',
    'serve',
  ],
  // Credentials: the config's, Docker's config.json and helpers, the containers auth files; no network beyond a helper.
  'src/credentials/**': ['cli', 'commands', 'run', 'config', 'inventory', 'plan', 'planfile', 'render', 'apply', 'registry', 'serve'],
  'src/registry/**': ['cli', 'commands', 'run', 'config', 'inventory', 'plan', 'planfile', 'render', 'apply', 'serve'],
  'src/config/**': ['cli', 'commands', 'run', 'inventory', 'plan', 'planfile', 'render', 'apply', 'registry', 'credentials', 'serve'],
  'src/plan/**': ['cli', 'commands', 'run', 'inventory', 'planfile', 'render', 'apply', 'registry', 'credentials', 'serve'],
  // The plan file: the Plan ⇄ its file, checked against the config; render's JSON is the file's text.
  'src/planfile/**': ['cli', 'commands', 'run', 'inventory', 'render', 'apply', 'registry', 'credentials', 'serve'],
  'src/render/**': ['cli', 'commands', 'run', 'config', 'inventory', 'apply', 'registry', 'credentials', 'serve'],
  'src/inventory/**': ['cli', 'commands', 'run', 'planfile', 'render', 'apply', 'credentials', 'serve'],
  'src/apply/**': ['cli', 'commands', 'run', 'inventory', 'planfile', 'render', 'serve'],
  // A run composes the layers below it and returns data: the commands print it (render is theirs).
  'src/run/**': ['cli', 'commands', 'render', 'serve'],
  // serve schedules runs of the pipeline and reports them as metrics; commands/serve.ts is its only caller.
  'src/serve/**': ['cli', 'commands', 'planfile', 'render'],
  'src/commands/**': [],
  'src/*.ts': [],
};

/** Layers with one front door: from outside, only `<layer>/index.js` may be imported, never a file behind it. */
const frontDoors = ['registry', 'oci', 'credentials'];
const throughFrontDoor = (files) =>
  frontDoors
    .filter((name) => !files.startsWith(`src/${name}/`))
    .map((name) => ({
      group: [`**/${name}/**`, `!**/${name}/index.js`],
      message: `ARCHITECTURE.md: import ${name}/index.js, the one public entry of src/${name}, not a file behind it`,
    }));
const pureModules = ['execa', 'listr2', 'undici', 'node:http', 'node:https', 'node:net', 'node:child_process'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tmp/**', 'coverage/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'test/*.mjs', 'scripts/*.mjs', 'bench/lib/*.mjs'] },
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
            ...(names.length > 0 ? [forbid(`ARCHITECTURE.md: ${files.split('/')[1]} must not import ${names.join(', ')}`, ...names)] : []),
            ...throughFrontDoor(files),
            ...(files === 'src/plan/**' || files === 'src/render/**'
              ? [{ group: pureModules, message: 'plan and render are pure: no network, processes or task runners' }]
              : []),
          ],
        },
      ],
    },
  })),
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
