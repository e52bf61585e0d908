#!/usr/bin/env node
// What `npm test` runs. Usage: node test/run-tests.mjs [--unit] [--list] [-- <node --test flags> <test files>]
//   1. makes sure the real registry / Docker engine / skopeo tools are there (apt-get as root on Debian);
//   2. expands test/**/*.test.ts itself (Node 20's `node --test DIR` finds no .ts files);
//   3. runs them with Node's test runner through tsx, spec reporter (CI reads the closing "ℹ pass N" / "ℹ fail N").
import { spawn } from 'node:child_process';
import console from 'node:console';
import process from 'node:process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const testDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(testDir);

const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const own = dashdash < 0 ? argv : argv.slice(0, dashdash);
const passthrough = dashdash < 0 ? [] : argv.slice(dashdash + 1);
const unitOnly = own.includes('--unit');
const listOnly = own.includes('--list');
const unknown = own.filter((arg) => arg !== '--unit' && arg !== '--list');
if (unknown.length > 0) {
  console.error(
    `run-tests: unknown argument(s) ${unknown.join(' ')}; usage: node test/run-tests.mjs [--unit] [--list] [-- <node --test flags> <files>]`,
  );
  process.exit(1);
}

/** Every *.test.ts under dir, as paths relative to the repository root, sorted. */
function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'fixtures') continue;
      found.push(...findTests(path));
    } else if (entry.name.endsWith('.test.ts')) {
      found.push(relative(root, path));
    }
  }
  return found;
}

// Files named after `--` replace the expansion (run one file); flags go to `node --test`.
const passedFiles = passthrough.filter((arg) => !arg.startsWith('-'));
const passedFlags = passthrough.filter((arg) => arg.startsWith('-'));
const files =
  passedFiles.length > 0
    ? passedFiles
    : findTests(testDir)
        .filter((file) => !unitOnly || !file.startsWith(`test${sep}e2e${sep}`))
        .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}

if (listOnly) {
  console.log(files.join('\n'));
  process.exit(0);
}

// The same check the harness uses, loaded through tsx so it is written once. Done before any test
// runs, so parallel test files never race to install packages.
const unregister = register();
try {
  const { ensureTools } = await import('./harness/tools.ts');
  await ensureTools();
} catch (error) {
  console.error(`run-tests: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
} finally {
  await unregister();
}

const args = [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  '--test-concurrency=2',
  '--test-timeout=300000',
  ...passedFlags,
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
