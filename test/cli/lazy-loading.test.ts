import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

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
`;
// Runs first in the CLI process: registers the hooks, and at exit adds the CommonJS modules it loaded.
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
/** The module URLs `regsync ARGS` loads, run from src/ through tsx as the tests run everything. */
async function loadedBy(args: string[]): Promise<string[]> {
  runs += 1;
  const file = path.join(work, `loaded-${runs}.txt`);
  const recorder = `data:text/javascript,${encodeURIComponent(RECORDER)}`;
  await run(process.execPath, ['--import', 'tsx', '--import', recorder, path.join(repo, 'src/cli.ts'), ...args], {
    cwd: repo,
    env: { ...process.env, REGSYNC_TEST_LOADED: file, NO_COLOR: '1' },
  });
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

for (const args of [['--version'], ['--help'], ['plan', '--help'], ['apply', '--help']]) {
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
