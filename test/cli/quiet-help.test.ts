import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { writeQuietPlan } from '../../src/commands/plan-output.js';
import { copyQuickstart } from '../helpers/quickstart-copy.js';
import { samplePlan } from '../helpers/sample-plan.js';
import { run } from './run.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cache = mkdtempSync(path.join(tmpdir(), 'regsync-quiet-'));
after(() => rmSync(cache, { recursive: true, force: true }));
const env = { REGSYNC_CACHE_DIR: cache, REGSYNC_NOW: '2026-11-28T10:00:00Z' };

test('plan -q prints only the final Plan: line (in any position, with either format)', async () => {
  const quickstart = await copyQuickstart();
  for (const argv of [
    ['-q', 'plan', '-c', 'regsync.yaml'],
    ['plan', '-c', 'regsync.yaml', '--quiet', '--format', 'markdown', '--show-skipped'],
  ]) {
    const result = await run(argv, { cwd: quickstart, env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Plan: 4 to create, 0 to update, 0 to delete, 0 unchanged.\n');
    assert.equal(result.stderr, '');
  }
  // --json is requested output: -q leaves it whole.
  const json = await run(['plan', '-q', '--json', '-c', 'regsync.yaml'], { cwd: quickstart, env });
  assert.ok((JSON.parse(json.stdout) as { changes: unknown[] }).changes.length === 4, json.stdout);
});

test('plan -q still prints warnings on stderr', async () => {
  const result = await run(['plan', '-q'], {
    cwd: await copyQuickstart(),
    env: { ...env, SYNC_SRC_REGISTRY: 'a:1', SYNC_DST_REGISTRY: 'b:2' },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'Plan: 4 to create, 0 to update, 0 to delete, 0 unchanged.\n');
  assert.match(result.stderr, /^regsync: warning: ignoring SYNC_SRC_REGISTRY, SYNC_DST_REGISTRY: /);
});

test('plan -q puts the warnings a change carries on stderr, then the Plan: line alone on stdout', () => {
  const plan = samplePlan();
  let stdout = '';
  let stderr = '';
  writeQuietPlan(plan, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  assert.equal(stdout, 'Plan: 2 to create, 1 to update, 1 to delete, 4 unchanged.\n');
  assert.equal(
    stderr,
    'regsync: warning: 127.0.0.1:5002/alpine:3.20: the source is a multi-platform index; the docker executor copies only linux/amd64, so the destination gets a single-platform image\n',
  );
});

const COMMANDS = ['validate', 'plan', 'apply', 'config', 'schema'];

test('every --help shows the global options, -c first, and two or three examples', async () => {
  for (const argv of [['--help'], ...COMMANDS.map((command) => [command, '--help'])]) {
    const result = await run(argv, { cwd: repo });
    assert.equal(result.code, 0);
    const text = result.stdout;
    const globals = argv.length === 1 ? text.slice(text.indexOf('\nOptions:\n')) : text.slice(text.indexOf('\nGlobal Options:\n'));
    assert.ok(
      globals.length > 0 && text.includes(argv.length === 1 ? '\nOptions:\n' : '\nGlobal Options:\n'),
      `${argv.join(' ')} lacks global options`,
    );
    const firstOption = /\n {2}(-\S+)/.exec(globals)?.[1];
    assert.equal(firstOption, '-c,', `${argv.join(' ')}: -c comes first`);
    for (const word of ['--verbose', '--quiet', '--no-color']) assert.ok(globals.includes(word), `${argv.join(' ')} lacks ${word}`);
    const examples = text.slice(text.indexOf('\nExamples:\n'));
    const count = examples.split('\n').filter((line) => line.startsWith('  $ regsync')).length;
    assert.ok(text.includes('\nExamples:\n') && count >= 2 && count <= 3, `${argv.join(' ')}: ${count} examples`);
  }
});
