import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { seed } from '../harness/images.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';

// Start-up (issue 9): a command loads only what it needs. These tests run the real CLI in a child process
// and record every module it loads (ESM through a load hook, CommonJS from require.cache at exit), so an
// eager import of a heavy module into the start-up path fails here, without measuring any time.

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(path.join(tmpdir(), 'regsync-lazy-'));
after(() => rmSync(work, { recursive: true, force: true }));

// Runs in the loader thread: appends each module URL it is asked to load.
const HOOKS = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) { appendFileSync(file, url + '\\n'); return next(url, context); }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(file, 'edge ' + (context.parentURL ?? '') + ' ' + resolved.url + '\\n');
  return resolved;
}
`;
// Runs first in the CLI process: registers the hooks, and at exit adds the CommonJS modules it loaded.
const RECORDER = `
import { appendFileSync } from 'node:fs';
import Module, { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
const file = process.env.REGSYNC_TEST_LOADED;
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, import.meta.url, { data: { file } });
const cache = createRequire(process.cwd() + '/').cache;
// Who requires what in CommonJS (createRequire in an ES module included): "edge PARENT_URL REQUEST".
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (parent?.filename) appendFileSync(file, 'edge ' + pathToFileURL(parent.filename).href + ' ' + request + '\\n');
  return load.call(this, request, parent, isMain);
};
process.on('exit', () => appendFileSync(file, Object.keys(cache).map((p) => pathToFileURL(p).href + '\\n').join('')));
`;

let runs = 0;
/** The module URLs `regsync ARGS` loads, run from src/ through tsx as the tests run everything. */
async function loadedBy(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string[]> {
  runs += 1;
  const file = path.join(work, `loaded-${runs}.txt`);
  const recorder = `data:text/javascript,${encodeURIComponent(RECORDER)}`;
  await run(process.execPath, ['--import', 'tsx', '--import', recorder, path.join(repo, 'src/cli.ts'), ...args], {
    cwd: repo,
    env: { ...process.env, ...extraEnv, REGSYNC_TEST_LOADED: file, NO_COLOR: '1' },
  });
  return readLoaded(file);
}

/** regsync's own modules (as ownModules names them) that import or require `pkg`, from the edges recorded. */
function importersOf(pkg: string, runNumber = runs): string[] {
  const lines = readFileSync(path.join(work, `loaded-${runNumber}.txt`), 'utf8').split('\n');
  const importers = lines
    .filter((line) => line.startsWith('edge '))
    .map((line) => line.split(' '))
    .filter(([, , target = '']) => target === pkg || target.startsWith(`${pkg}/`) || target.includes(`/node_modules/${pkg}/`))
    .map(([, parent = '']) => parent);
  return [...new Set(ownModules(importers))].sort();
}

/** The distinct module URLs recorded in `file`. */
function readLoaded(file: string): string[] {
  return [
    ...new Set(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('file:')),
    ),
  ];
}

const srcUrl = pathToFileURL(path.join(repo, 'src')).href;
const PACKAGE = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;
// The TypeScript loader the tests run through, not part of regsync.
const LOADER_PACKAGES = new Set(['tsx', 'esbuild', '@esbuild', 'get-tsconfig', 'resolve-pkg-maps']);

function packagesIn(urls: string[]): string[] {
  const names = urls.map((url) => PACKAGE.exec(url)?.[1]).filter((name): name is string => name !== undefined);
  return [...new Set(names)].filter((name) => !LOADER_PACKAGES.has(name)).sort();
}

/** regsync's own modules, as paths under src/ without extension: "commands/plan", "registry/pool". */
function ownModules(urls: string[]): string[] {
  return urls.filter((url) => url.startsWith(`${srcUrl}/`)).map((url) => url.slice(srcUrl.length + 1).replace(/\.[cm]?[jt]s$/, ''));
}

// The layers that do the work; none of them is needed to print a version or help. Of plan/, only the pure
// modules commander's --shard parser calls (it runs while flags are parsed, so it cannot load them later).
const SHARD_PARSING = new Set(['plan/shard', 'plan/refs', 'plan/rename']);
const WORKING_LAYERS = /^(registry|inventory|plan|render|apply)\/|^config\/(resolve|load|parse|schema|locate|semantic|print)$/;
const isWork = (name: string): boolean => WORKING_LAYERS.test(name) && !SHARD_PARSING.has(name);

test('regsync --version loads no package and none of the program: the entry point answers it alone', async () => {
  const loaded = await loadedBy(['--version']);
  assert.deepEqual(ownModules(loaded), ['cli']);
  assert.deepEqual(packagesIn(loaded), []);
});

for (const args of [['-V', 'plan'], ['--help'], ['plan', '--help'], ['apply', '--help']]) {
  test(`regsync ${args.join(' ')} loads commander and regsync's command definitions only`, async () => {
    const loaded = await loadedBy(args);
    assert.ok(ownModules(loaded).includes('program'), 'the recorder saw the CLI start');
    assert.deepEqual(packagesIn(loaded), ['commander']);
    assert.deepEqual(ownModules(loaded).filter(isWork), []);
  });
}

test('regsync validate loads the config stack but nothing that talks to a registry or plans', async () => {
  const loaded = await loadedBy(['validate', '-c', 'examples/quickstart/regsync.yaml']);
  const own = ownModules(loaded);
  assert.ok(own.includes('config/resolve'), 'validate resolved the config');
  assert.deepEqual(
    own.filter((name) => /^(registry|inventory|plan|render|apply)\//.test(name) && !SHARD_PARSING.has(name)),
    [],
  );
  for (const name of ['undici', 'execa', 'listr2', 'chalk', 'cosmiconfig']) {
    assert.ok(!packagesIn(loaded).includes(name), `validate -c loaded ${name}`);
  }
});

// A plain registry-to-registry plan (issue 17): no credential helper (execa), no plan-file schema check (ajv), no
// semver filter (semver), no apply (listr2, executors). Each is loaded by the run that needs it, not at start-up.
describe('regsync plan of a registry-to-registry mirror', () => {
  let source: RegistryInstance;
  let destination: RegistryInstance;
  let dir: string;
  before(async () => {
    await ensureTools();
    [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
    const images = ['v1.0.0', 'v2.0.0'].map((tag) => ({
      repository: 'team/app',
      tag,
      spec: { content: tag, created: '2024-06-01T00:00:00Z' },
    }));
    await Promise.all([seed(source, images), seed(destination, images.slice(0, 1))]);
    dir = await makeTempDir('lazy-plan');
  });
  after(() => Promise.all([source?.stop(), destination?.stop()]));

  async function planLoads(name: string, tags: string[]): Promise<string[]> {
    const config = path.join(dir, `${name}.yaml`);
    const lines = [
      'version: 1',
      'mirrors:',
      '  - name: apps',
      `    source: ${source.host}/team`,
      `    destination: ${destination.host}/mirror`,
    ];
    lines.push(
      '    executor: registry',
      '    repositories: { names: [app] }',
      ...(tags.length > 0 ? ['    tags:', ...tags.map((t) => `      ${t}`)] : []),
    );
    writeFileSync(config, `${lines.join('\n')}\n`);
    // A private HOME and Docker config: no credential helper of this machine's user is configured.
    const env = { HOME: dir, DOCKER_CONFIG: dir, REGSYNC_CACHE_DIR: path.join(dir, `cache-${name}`) };
    return loadedBy(['plan', '-c', config], env);
  }

  test('loads neither execa, ajv, semver nor listr2, and no apply module', async () => {
    const loaded = await planLoads('plain', []);
    const own = ownModules(loaded);
    assert.ok(own.includes('inventory/mirror'), 'the plan read the registries');
    for (const name of ['execa', 'semver', 'listr2']) {
      assert.ok(!packagesIn(loaded).includes(name), `regsync plan loaded ${name}`);
    }
    // From src/ the config check compiles its schema with ajv (the build precompiles it: dist loads no ajv);
    // nothing else may load it.
    assert.deepEqual(
      importersOf('ajv').filter((name) => name !== 'config/schema'),
      [],
    );
    assert.deepEqual(
      own.filter((name) => name.startsWith('apply/') || name === 'plan/plan-file' || name === 'plan/plan-check'),
      [],
    );
  });

  test('loads semver when a mirror filters tags by a semver range (the recorder sees it)', async () => {
    const loaded = await planLoads('semver', ["semver: '>=1.0.0'"]);
    assert.ok(packagesIn(loaded).includes('semver'), packagesIn(loaded).join(' '));
    assert.deepEqual(importersOf('semver'), ['config/semantic', 'plan/semver-tag']);
    assert.ok(!packagesIn(loaded).includes('execa'), 'regsync plan loaded execa');
  });
});
