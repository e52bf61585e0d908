// `npm run build`: regsync as one esbuild bundle in dist/, what the package's bin and the image run (issue 17).
// Measured against tsc's one file per module: the quickstart `plan` starts in about half the time, since Node
// resolves and loads a handful of chunks instead of ~200 modules. Then build-config-validator.mjs adds the
// precompiled schema validators.
//
// - Code splitting keeps every `import()` of the source lazy: each lazily loaded part (the program, a command,
//   apply with listr2 and execa, the serve loop) is a chunk of its own, loaded when the run needs it.
// - Every chunk is written directly under dist/, the depth src/package-files.ts relies on to find schemas/ and
//   package.json from a chunk.
// - npm dependencies stay external, loaded from node_modules: ajv's precompiled validators and the modules loaded
//   through createRequire need node_modules anyway, and bundling them gained little more.
// - Source maps (dist/*.js.map, without the sources' text) make `--verbose` stack traces name src/**/*.ts
//   (src/cli.ts enables them).
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: '[name]-[hash]',
  sourcemap: true,
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
});

// No module of an earlier build (or of tsc's layout) stays beside the bundle. Only what this build did not write
// is removed, not dist/ first: test files build in parallel while others run dist/cli.js, and chunks are named by
// their content, so a rebuild of the same source rewrites the same files.
const keep = new Set([
  ...Object.keys(metafile.outputs).map((file) => join(root, file)),
  // Written next by build-config-validator.mjs; a stale one is never used (it records its schema's digest).
  join(root, 'dist/config/config-validator.cjs'),
  join(root, 'dist/planfile/plan-validator.cjs'),
]);
for (const entry of readdirSync(join(root, 'dist'), { recursive: true, withFileTypes: true })) {
  const file = join(entry.parentPath, entry.name);
  if (!entry.isDirectory() && !keep.has(file)) rmSync(file, { force: true });
}
