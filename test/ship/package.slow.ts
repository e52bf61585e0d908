/**
 * The npm package as users get it: `npm pack` holds dist/, schemas/, README, LICENSE and package.json, nothing
 * else; installing the tarball globally into a clean prefix (--prefer-offline: the tarballs come from the npm
 * cache `npm ci` filled; a global install without a lockfile may still fetch package metadata) gives a
 * `regsync` that prints its version and plans the quickstart. Built in a staging copy, so the repository's own
 * dist/ (used by other tests) is never rebuilt under them. Opt-in (about a minute): npm run test:ship.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../harness/temp.js';
import { copyQuickstart } from '../helpers/quickstart-copy.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const options = { cwd, encoding: 'utf8' as const, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } };
    execFile(command, args, options, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function ok(result: Run, what: string): Run {
  assert.equal(result.code, 0, `${what} failed (exit ${result.code}):\n${result.stderr.slice(-3000)}`);
  return result;
}

/** A copy of what `npm pack` reads, plus decoys that must stay out of the tarball. */
async function stagingCopy(): Promise<string> {
  const stage = await makeTempDir('pack');
  for (const entry of [
    'package.json',
    'package-lock.json',
    'README.md',
    'LICENSE',
    'tsconfig.json',
    'tsconfig.build.json',
    'schemas',
    'src',
    // npm run build (prepack) runs them: the bundle, then the precompiled validators, then the code cache, made by
    // one plan of the quickstart's layouts.
    'scripts/build.mjs',
    'scripts/build-config-validator.mjs',
    'scripts/build-code-cache.mjs',
    'examples/quickstart/regsync.yaml',
    'examples/quickstart/images',
  ]) {
    cpSync(join(repo, entry), join(stage, entry), { recursive: true });
  }
  symlinkSync(join(repo, 'node_modules'), join(stage, 'node_modules'), 'dir');
  mkdirSync(join(stage, 'test'));
  writeFileSync(join(stage, 'test', 'decoy.test.ts'), '// must not be packed\n');
  writeFileSync(join(stage, '.env'), 'SECRET=must-not-be-packed\n');
  return stage;
}

/**
 * Only these may be in the package; npm adds package.json, README and LICENSE itself. dist/ holds compiled modules,
 * the config and plan validators the build generates (CommonJS, .cjs), the program's CommonJS bundle with the file
 * naming it and V8's code cache of it.
 */
const ALLOWED =
  /^(?:package\.json|README\.md|LICENSE|schemas\/[\w.-]+\.json|dist\/.+\.c?js(?:\.map)?|dist\/bundle\.json|dist\/regsync-[0-9a-f]+\.cjs\.v8-[\w.-]+\.f2\.cache)$/;

describe('npm package', () => {
  let stage = '';
  let files: string[] = [];
  before(async () => {
    stage = await stagingCopy();
    // prepack builds dist/ afresh (a stale file of a deleted source cannot ship).
    const dryRun = ok(await run('npm', ['pack', '--dry-run', '--json'], stage), 'npm pack --dry-run');
    files = (JSON.parse(dryRun.stdout) as { files: { path: string }[] }[])[0]!.files.map((file) => file.path).sort();
  });

  it('npm pack --dry-run lists dist/, schemas/, README, LICENSE and package.json, nothing else', () => {
    assert.deepEqual(
      files.filter((file) => !ALLOWED.test(file)),
      [],
    );
    for (const required of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/cli.js',
      'dist/config/config-validator.cjs',
      'dist/planfile/plan-validator.cjs',
      'dist/bundle.json',
      'schemas/regsync.schema.json',
      'schemas/plan.schema.json',
    ]) {
      assert.ok(files.includes(required), `${required} is packed`);
    }
    assert.match(readFileSync(join(repo, 'LICENSE'), 'utf8'), /^MIT License/);
    const bundles = files.filter((file) => /^dist\/regsync-[0-9a-f]+\.cjs$/.test(file));
    assert.equal(bundles.length, 1, files.join(' '));
    assert.ok(
      files.some((file) => file.startsWith(`${bundles[0]}.v8-`)),
      'the code cache of the bundle is packed',
    );
  });

  it('installs globally from the tarball into a clean prefix (--prefer-offline) and runs --version and the quickstart plan', async () => {
    const packed = ok(await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', stage], stage), 'npm pack');
    const tarball = join(stage, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
    assert.equal(tarball, join(stage, `${pkg.name}-${pkg.version}.tgz`));
    const prefix = await makeTempDir('prefix');
    ok(
      await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], stage),
      'npm install -g',
    );

    const regsync = join(prefix, 'bin', 'regsync');
    const version = ok(await run(regsync, ['--version'], prefix), 'regsync --version');
    assert.equal(version.stdout.trim(), pkg.version);
    const installed = join(prefix, 'lib', 'node_modules', pkg.name);
    for (const devOnly of ['typescript', 'eslint', 'tsx', 'kubernetes-models']) {
      assert.ok(!existsSync(join(installed, 'node_modules', devOnly)), `dev dependency ${devOnly} is not installed`);
    }

    // As a user would: a copy of the quickstart folder, the installed binary, from inside the folder.
    const quickstart = await copyQuickstart();
    const plan = ok(
      await run(regsync, ['plan', '-c', 'regsync.yaml'], quickstart, { REGSYNC_DEBUG_CODE_CACHE: '1' }),
      'regsync plan (quickstart)',
    );
    // The program compiled from the code cache the package ships (made by the same Node here).
    assert.match(plan.stderr, /^regsync: code cache used$/m);
    assert.match(plan.stdout, /^Plan: [1-9]\d* to create, 0 to update, 0 to delete, 0 unchanged\.$/m);
    // The bundle's source maps are packed: a --verbose stack trace names the TypeScript files (not shipped).
    const failed = await run(regsync, ['validate', '-c', 'missing.yaml', '--verbose'], quickstart);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /\/src\/config\/locate\.ts:\d+:\d+\)$/m);
  });
});
