/**
 * Where regsync's own files are at run time: schemas/ and package.json in the package root, the validators
 * `npm run build` precompiles in the code directory (dist/). A module cannot find them from its own
 * `import.meta.url`: in the bundle (scripts/build.mjs) that is the URL of the chunk it landed in, not of its
 * source file, and `../../schemas` from dist/config/schema.js is `../schemas` from a chunk. This module sits
 * directly under src/, and esbuild writes every chunk directly under dist/, so from here `..` is the package root
 * and `.` the code directory in every layout: src/ run through tsx (tests), tsc's dist/ (bench/plan-fixture.ts),
 * and the bundle. Modules directly under src/ (cli.ts, program.ts) may resolve `../package.json` themselves.
 */
const PACKAGE_ROOT = new URL('../', import.meta.url);
const CODE_ROOT = new URL('./', import.meta.url);

/** A file of the package, by its path from the package root: `packageFile('schemas/plan.schema.json')`. */
export const packageFile = (path: string): URL => new URL(path, PACKAGE_ROOT);

/** A file the build writes next to the code, by its path under src/ or dist/: `codeFile('config/x.cjs')`. */
export const codeFile = (path: string): URL => new URL(path, CODE_ROOT);
