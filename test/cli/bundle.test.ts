import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The bundle `npm run build` writes (issue 17: esbuild, code splitting, source maps), as the package's bin and the
// image run it. What the source tests cannot see: that each lazy `import()` is still a chunk of its own (a plan
// loads no apply code), that modules merged into chunks still find schemas/ and the precompiled validators
// (src/package-files.ts), and that --verbose stack traces name the TypeScript files through the source maps.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(repo, 'dist/cli.js');
const QUICKSTART = path.join(repo, 'examples/quickstart/regsync.yaml');
const work = mkdtempSync(path.join(tmpdir(), 'regsync-bundle-'));
after(() => rmSync(work, { recursive: true, force: true }));

// The child runs dist/cli.js: built from this checkout, never a stale build.
before(() => execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'ignore' }));

// Runs in the loader thread: appends the URL of each ES module loaded. At exit the CLI process adds the
// CommonJS modules it required (require.cache): the packages regsync loads through createRequire.
const HOOKS = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) { appendFileSync(file, url + '\\n'); return next(url, context); }
`;
const RECORDER = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
const file = process.env.REGSYNC_TEST_LOADED;
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, import.meta.url, { data: { file } });
const cache = createRequire(process.cwd() + '/').cache;
process.on('exit', () => appendFileSync(file, Object.keys(cache).map((p) => pathToFileURL(p).href + '\\n').join('')));
`;

let runs = 0;
/** Runs `node dist/cli.js ARGS` to the end and returns its exit code, stderr and the module URLs it loaded. */
function loadedBy(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { status: number | null; stderr: string; loaded: string[] } {
  runs += 1;
  const file = path.join(work, `loaded-${runs}.txt`);
  const recorder = `data:text/javascript,${encodeURIComponent(RECORDER)}`;
  const { status, stderr } = spawnSync(process.execPath, ['--import', recorder, CLI, ...args], {
    cwd: repo,
    env: { ...process.env, ...extraEnv, REGSYNC_TEST_LOADED: file, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  const loaded = [
    ...new Set(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('file:')),
    ),
  ];
  return { status, stderr, loaded };
}

const distUrl = pathToFileURL(path.join(repo, 'dist')).href;
const PACKAGE = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;

/** The bundle's files loaded, as paths under dist/: "cli.js", "program-ABCD1234.js". */
const chunksIn = (urls: string[]): string[] =>
  urls.filter((url) => url.startsWith(`${distUrl}/`)).map((url) => url.slice(distUrl.length + 1));
const packagesIn = (urls: string[]): string[] =>
  [...new Set(urls.map((url) => PACKAGE.exec(url)?.[1]).filter((name): name is string => name !== undefined))].sort();

/** ajv's modules loaded, but for the runtime helpers the precompiled validators require (ajv/dist/runtime/). */
const ajvCompilerIn = (urls: string[]): string[] =>
  urls.filter((url) => url.includes('/node_modules/ajv/') && !url.includes('/ajv/dist/runtime/'));

/** The source modules the loaded chunks were made from (their source maps), as paths under src/ without extension. */
function sourcesOf(chunks: string[]): string[] {
  const sources = chunks
    .filter((chunk) => chunk.endsWith('.js'))
    .flatMap((chunk) => (JSON.parse(readFileSync(path.join(repo, 'dist', `${chunk}.map`), 'utf8')) as { sources: string[] }).sources);
  return [...new Set(sources.map((source) => source.replace(/^\.\.\/src\//, '').replace(/\.ts$/, '')))].sort();
}

test('regsync --version loads the entry chunk alone', () => {
  const { status, loaded } = loadedBy(['--version']);
  assert.equal(status, 0);
  assert.deepEqual(chunksIn(loaded), ['cli.js']);
  assert.deepEqual(packagesIn(loaded), []);
});

// The chunks are what --verbose and REGSYNC_CODE_CACHE=0 run (the bundle below is the same program in one file).
test('the quickstart plan loads no apply code (its chunks stay lazy), no execa, listr2 or ajv compiler', () => {
  const { status, stderr, loaded } = loadedBy(['plan', '-c', QUICKSTART], { REGSYNC_CODE_CACHE: '0' });
  assert.equal(status, 0, stderr);
  const sources = sourcesOf(chunksIn(loaded));
  assert.ok(sources.includes('inventory/mirror'), `the plan read the layouts: ${sources.join(' ')}`);
  assert.deepEqual(
    sources.filter((name) => name.startsWith('apply/') || name === 'plan/plan-file' || name === 'plan/plan-check'),
    [],
  );
  for (const name of ['execa', 'listr2']) assert.ok(!packagesIn(loaded).includes(name), `plan loaded ${name}`);
  // The config is checked by the precompiled validator, which the bundle finds under dist/config/: no ajv compiler.
  assert.deepEqual(ajvCompilerIn(loaded), []);
  assert.ok(chunksIn(loaded).includes('config/config-validator.cjs'), chunksIn(loaded).join(' '));
});

test('a saved plan is checked by the precompiled plan validator; the schemas are read from schemas/', () => {
  const saved = path.join(work, 'quickstart.plan.json');
  execFileSync(process.execPath, [CLI, 'plan', '-c', QUICKSTART, '--out', saved], { cwd: repo, stdio: 'ignore' });
  // Broken against the schema, so that apply stops at the check and copies nothing.
  const plan = JSON.parse(readFileSync(saved, 'utf8')) as { changes: Array<{ action: string }> };
  plan.changes[0]!.action = 'replace';
  const broken = path.join(work, 'broken.plan.json');
  writeFileSync(broken, JSON.stringify(plan));
  const { status, stderr, loaded } = loadedBy(['apply', broken, '-c', QUICKSTART]);
  assert.equal(status, 1, stderr);
  assert.match(stderr, /is not a valid regsync plan \(1 problem\): \/changes\/0\/action: must be one of/);
  assert.ok(chunksIn(loaded).includes('planfile/plan-validator.cjs'), chunksIn(loaded).join(' '));
  assert.deepEqual(ajvCompilerIn(loaded), []);
  for (const [args, schema] of [
    [['schema'], 'regsync.schema.json'],
    [['schema', 'plan'], 'plan.schema.json'],
    [['schema', 'apply-result'], 'apply-result.schema.json'],
  ] as const) {
    const printed = execFileSync(process.execPath, [CLI, ...args], { cwd: repo, encoding: 'utf8' });
    assert.equal(printed.trim(), readFileSync(path.join(repo, 'schemas', schema), 'utf8').trim(), args.join(' '));
  }
});

test('--verbose stack traces name the TypeScript source files; without it there is no stack', () => {
  const missing = path.join(work, 'missing.yaml');
  const verbose = spawnSync(process.execPath, [CLI, 'validate', '-c', missing, '--verbose'], { cwd: repo, encoding: 'utf8' });
  assert.equal(verbose.status, 1, verbose.stderr);
  assert.match(verbose.stderr, /^RegsyncError: config file .* not found$/m);
  assert.match(verbose.stderr, /^ {4}at \S+ \(\/.*\/src\/config\/locate\.ts:\d+:\d+\)$/m);
  // Every frame in a chunk is mapped; only the entry (loaded before --verbose is seen) is named as it is.
  assert.doesNotMatch(verbose.stderr, /\/dist\/(?!cli\.js)[\w-]+\.js:\d+/);
  const short = spawnSync(process.execPath, [CLI, '-qv', 'validate', '-c', missing], { cwd: repo, encoding: 'utf8' });
  assert.match(short.stderr, /\/src\/config\/locate\.ts:\d+:\d+/);
  const plain = spawnSync(process.execPath, [CLI, 'validate', '-c', missing], { cwd: repo, encoding: 'utf8' });
  assert.doesNotMatch(plain.stderr, /\bat /);
});

test('by default a command runs the CommonJS bundle from the code cache the build made; a start it does not fit keeps its own', () => {
  const cacheDir = mkdtempSync(path.join(work, 'code-cache-'));
  const plan = (extraEnv: NodeJS.ProcessEnv, nodeFlags: string[] = []) =>
    spawnSync(process.execPath, [...nodeFlags, CLI, 'plan', '-c', QUICKSTART], {
      cwd: repo,
      env: { ...process.env, NO_COLOR: '1', REGSYNC_CACHE_DIR: cacheDir, REGSYNC_DEBUG_CODE_CACHE: '1', ...extraEnv },
      encoding: 'utf8',
    });
  const chunks = plan({ REGSYNC_CODE_CACHE: '0' });
  assert.equal(chunks.status, 0, chunks.stderr);
  assert.doesNotMatch(chunks.stderr, /code cache/);
  // The build's cache, beside the bundle, for this very Node: nothing written of its own.
  const built = plan({});
  assert.equal(built.status, 0, built.stderr);
  assert.match(built.stderr, /^regsync: code cache used$/m);
  assert.equal(built.stdout, chunks.stdout, 'the bundle plans what the chunks plan');
  assert.equal(existsSync(path.join(cacheDir, 'code')), false);
  // Another V8 flag: V8 refuses the build's cache (it is made for the flags too); the start compiles, then keeps its
  // own cache, which the next start with that flag reads.
  const flagged = ['--max-old-space-size=2048'];
  const refused = plan({}, flagged);
  assert.equal(refused.status, 0, refused.stderr);
  assert.match(refused.stderr, /^regsync: code cache not used$/m);
  const [own] = readdirSync(path.join(cacheDir, 'code'));
  assert.match(own ?? '', /^regsync-[0-9a-f]{16}\.cjs\.v8-.+\.f2\.cache$/);
  const again = plan({}, flagged);
  assert.match(again.stderr, /^regsync: code cache used$/m);
  assert.equal(again.stdout, chunks.stdout);
  // A damaged cache is never given to V8 (which checks no checksum, and can abort on bad data): 64 bytes changed in
  // its middle, the start compiles from source and plans the same.
  const cacheFile = path.join(cacheDir, 'code', own!);
  const good = readFileSync(cacheFile);
  const damagedBytes = Buffer.from(good);
  damagedBytes.fill(0x5a, good.length >> 1, (good.length >> 1) + 64);
  writeFileSync(cacheFile, damagedBytes);
  const damaged = plan({}, flagged);
  assert.equal(damaged.status, 0, damaged.stderr);
  assert.match(damaged.stderr, /^regsync: code cache not used$/m);
  assert.equal(damaged.stdout, chunks.stdout);
  // ... and writes a good one in its place.
  assert.match(plan({}, flagged).stderr, /^regsync: code cache used$/m);
  // A cache directory that cannot be written (here a file): the cache is left unwritten, nothing else changes.
  const notADirectory = path.join(work, 'not-a-directory');
  writeFileSync(notADirectory, '');
  const unwritable = spawnSync(process.execPath, [...flagged, CLI, 'plan', '-c', QUICKSTART], {
    cwd: repo,
    env: { ...process.env, NO_COLOR: '1', REGSYNC_CACHE_DIR: notADirectory },
    encoding: 'utf8',
  });
  assert.equal(unwritable.status, 0, unwritable.stderr);
  assert.equal(unwritable.stderr, '');
  assert.equal(unwritable.stdout, chunks.stdout);
});
