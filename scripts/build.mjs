// `npm run build`: regsync as one esbuild bundle in dist/, what the package's bin and the image run (issue 17).
// Measured against tsc's one file per module: the quickstart `plan` starts in about half the time, since Node
// resolves and loads a handful of chunks instead of ~200 modules. Then build-config-validator.mjs adds the
// precompiled schema validators.
//
// - Code splitting keeps every `import()` of the source lazy: each lazily loaded part (the program, a command,
//   apply with listr2 and execa, the serve loop) is a chunk of its own, loaded when the run needs it.
// - Every chunk is written directly under dist/, the depth src/package-files.ts relies on to find schemas/ and
//   package.json from a chunk.
// - npm dependencies stay external, loaded from node_modules (ajv's precompiled validators and the modules loaded
//   through createRequire need node_modules anyway), except the two every command loads, yaml (72 CommonJS files)
//   and commander: bundled, the quickstart `plan` starts in 181 instead of 213 ms (medians of 21, `node -e 0` 62
//   ms). CommonJS inside an ES module asks for `require` (node builtins): each chunk gets one from createRequire.
// - Source maps (dist/*.js.map, without the sources' text) make `--verbose` stack traces name src/**/*.ts
//   (src/cli.ts enables them).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Bundled into the chunks that use them; every other dependency is imported from node_modules at run time. */
const BUNDLED = new Set(['yaml', 'commander']);
/** @type {{ dependencies: Record<string, string> }} */
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- typed by the JSDoc above
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const { dependencies } = packageJson;
const external = Object.keys(dependencies).filter((name) => !BUNDLED.has(name));

const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [...external, ...external.map((name) => `${name}/*`)],
  banner: {
    js: "import { createRequire as __regsyncCreateRequire } from 'node:module'; const require = __regsyncCreateRequire(import.meta.url);",
  },
  chunkNames: '[name]-[hash]',
  sourcemap: true,
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
});

// The same program as one CommonJS bundle (src/bundle-entry.ts), which src/cli.ts compiles through V8's code cache
// (src/cached-bundle.ts): Node 20 caches no compiled ES module, and recompiling ~1 MB made a no-op plan's first
// request leave ~40 ms later. Packages that are ES modules only (chalk, execa, listr2) are bundled into it, as
// CommonJS cannot require them on Node 20; the others stay in node_modules, required where the ES build imports them.
// Named by its content (regsync-HASH.cjs, told by bundle.json), so a code cache is never read for another bundle.
const ESM_ONLY = new Set(['chalk', 'execa', 'listr2']);
const cjsExternal = external.filter((name) => !ESM_ONLY.has(name));
const { outputFiles } = await build({
  absWorkingDir: root,
  entryPoints: ['src/bundle-entry.ts'],
  outfile: 'dist/regsync.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: [...cjsExternal, ...cjsExternal.map((name) => `${name}/*`)],
  // What import.meta.url gives in the ES chunks: the bundle's own URL (it sits beside them, at the same depth).
  define: { 'import.meta.url': '__regsyncImportMetaUrl' },
  // import() of a package left in node_modules becomes require(): a script run through node:vm has no loader for
  // import() (and the packages left out are CommonJS).
  supported: { 'dynamic-import': false },
  // The file is the function src/cached-bundle.ts runs, as Node wraps a CommonJS module (no copy of ~1 MB to make at
  // each start). "use strict" first: the program ran as ES modules, which are strict, and esbuild's own directive
  // would come after the banner's statement, where it is no directive.
  banner: {
    js: "(function (exports, require, module, __filename, __dirname) {'use strict';\nconst __regsyncImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
  },
  footer: { js: '\n})' },
  // Without comments: smaller, and all ASCII, so V8 keeps the source (for functions compiled later) one byte a character.
  minifyWhitespace: true,
  write: false,
  logLevel: 'warning',
});
const bundleText = outputFiles[0].contents;
const bundleName = `regsync-${createHash('sha256').update(bundleText).digest('hex').slice(0, 16)}.cjs`;
// Through a temporary file and a rename: tests build while others run dist/cli.js, which must never read half a file.
/**
 * @param {string} name
 * @param {string | Uint8Array} contents
 */
const writeWhole = (name, contents) => {
  const temporary = join(root, 'dist', `.${name}.${process.pid}.tmp`);
  writeFileSync(temporary, contents);
  renameSync(temporary, join(root, 'dist', name));
};
writeWhole(bundleName, bundleText);
writeWhole('bundle.json', `${JSON.stringify({ file: bundleName })}\n`);

// No module of an earlier build (or of tsc's layout) stays beside the bundle. Only what this build did not write
// is removed, not dist/ first: test files build in parallel while others run dist/cli.js, and chunks are named by
// their content, so a rebuild of the same source rewrites the same files.
const keep = new Set([
  ...Object.keys(metafile.outputs).map((file) => join(root, file)),
  // Written next by build-config-validator.mjs; a stale one is never used (it records its schema's digest).
  join(root, 'dist/config/config-validator.cjs'),
  join(root, 'dist/planfile/plan-validator.cjs'),
  join(root, 'dist', bundleName),
  join(root, 'dist/bundle.json'),
  // Written next by build-code-cache.mjs.
  ...readdirSync(join(root, 'dist'))
    .filter((name) => name.startsWith(`${bundleName}.v8-`) && name.endsWith('.f2.cache'))
    .map((name) => join(root, 'dist', name)),
]);
for (const entry of readdirSync(join(root, 'dist'), { recursive: true, withFileTypes: true })) {
  const file = join(entry.parentPath, entry.name);
  if (!entry.isDirectory() && !keep.has(file)) rmSync(file, { force: true });
}
