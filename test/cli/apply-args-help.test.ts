/**
 * Arguments and help (issue 14, item 5). A single argument that is neither a file nor a registry location is a
 * plan file that does not exist (`no plan file plan.jsn`), not a sync.sh SOURCE missing its DESTINATION; the
 * sync.sh form `SOURCE DESTINATION` still works. Each command's --help starts with its own usage and options, then
 * its examples; the sync.sh flags come last under their own heading.
 */
import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { makeTempDir } from '../harness/temp.js';
import { run } from './run.js';

const QUICKSTART = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));

async function quickstartCopy(): Promise<string> {
  const dir = await makeTempDir('apply-args-');
  await cp(QUICKSTART, dir, { recursive: true, filter: (path) => !path.includes('/mirrored') });
  return dir;
}

describe('regsync apply ARG: a plan file or sync.sh SOURCE', () => {
  for (const typo of ['plan.jsn', 'plan', 'nope.json']) {
    it(`apply ${typo} (no such file, no registry location): no plan file ${typo}`, async () => {
      const dir = await quickstartCopy();
      const result = await run(['apply', typo], { cwd: dir, env: { REGSYNC_CACHE_DIR: '' } });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`^regsync: no plan file ${typo.replace('.', '\\.')}: `));
      assert.doesNotMatch(result.stderr, /DESTINATION registry|config file/);
      assert.equal(result.stdout, '');
      assert.equal(existsSync(join(dir, 'mirrored')), false);
    });
  }

  it('also without a config file in the directory: the missing plan file is what is reported', async () => {
    const result = await run(['apply', 'plan.jsn'], { cwd: await makeTempDir('apply-args-empty-'), env: {} });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^regsync: no plan file plan\.jsn: /);
  });

  it('a registry location alone is still sync.sh SOURCE: its missing DESTINATION is reported', async () => {
    const result = await run(['apply', '127.0.0.1:5000/team'], { cwd: await quickstartCopy(), env: {} });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /missing DESTINATION registry \(give SOURCE DESTINATION or set SYNC_DST_REGISTRY\)/);
    assert.doesNotMatch(result.stderr, /no plan file/);
  });

  it('with the destination in SYNC_DST_REGISTRY (or a sync.sh flag), one argument is the SOURCE', async () => {
    const dir = await quickstartCopy();
    const fromEnv = await run(['apply', 'plan.jsn'], { cwd: dir, env: { SYNC_DST_REGISTRY: 'ocidir://./out' } });
    assert.equal(fromEnv.code, 1);
    // Read as sync.sh: the destination from the environment is checked (docker cannot write a layout).
    assert.match(fromEnv.stderr, /SYNC_DST_REGISTRY: the docker executor cannot read or write OCI layouts/);
    assert.doesNotMatch(fromEnv.stderr, /no plan file/);
    const withFlag = await run(['apply', 'plan.jsn', '-t', '^v1'], { cwd: dir, env: {} });
    assert.match(withFlag.stderr, /missing DESTINATION registry/);
  });

  it('the sync.sh form SOURCE DESTINATION still applies', async () => {
    const dir = await quickstartCopy();
    const result = await run(['apply', 'ocidir://./images', 'ocidir://./mirrored', '--executor', 'registry', '--yes', '-q'], {
      cwd: dir,
      env: { REGSYNC_CACHE_DIR: '' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      'Plan: 8 to create, 0 to update, 0 to delete, 0 unchanged.\nApply complete: 8 created, 0 updated, 0 deleted, 0 failed.\n',
    );
  });
});

/** The help of `command`, through --help and through `regsync help`: both must be the same text. */
async function helpOf(command: string): Promise<string> {
  const cwd = await makeTempDir('help-');
  const flag = await run([command, '--help'], { cwd });
  const word = await run(['help', command], { cwd });
  assert.equal(flag.code, 0, flag.stderr);
  assert.equal(word.stdout, flag.stdout);
  return flag.stdout;
}

describe('each command’s own help first, the sync.sh flags last', () => {
  const usages: Array<[command: string, usage: string, own: string]> = [
    ['apply', 'Usage: regsync apply [options] [PLAN.json]', '-y, --yes'],
    ['plan', 'Usage: regsync plan [options]', '--detailed-exitcode'],
    ['config', 'Usage: regsync config [options]', '-h, --help'],
    ['validate', 'Usage: regsync validate [options]', '-h, --help'],
  ];
  for (const [command, usage, own] of usages) {
    it(`regsync ${command} --help: "${usage}", its options, Examples, then "sync.sh-compatible options:"`, async () => {
      const help = await helpOf(command);
      const lines = help.split('\n');
      assert.equal(lines[0], usage);
      const at = (text: string): number => help.indexOf(text);
      const syncSh = at('\nsync.sh-compatible options:\n');
      assert.ok(syncSh > 0, help);
      assert.ok(at(own) > 0 && at(own) < at('\nExamples:\n') && at('\nExamples:\n') < syncSh, help);
      // Every sync.sh flag and the positionals are in that last section, and only there.
      for (const flag of [
        '-t, --tags <regex>',
        '-i, --images <regex>',
        '--src-auth <user:password>',
        '--executor <name>',
        'SOURCE ',
        'DESTINATION ',
      ]) {
        assert.ok(help.indexOf(`  ${flag}`) > syncSh, `${flag} after the sync.sh heading:\n${help}`);
        assert.equal(help.indexOf(`  ${flag}`), help.lastIndexOf(`  ${flag}`), `${flag} once:\n${help}`);
      }
      assert.match(help, new RegExp(`regsync ${command} \\[options\\] SOURCE DESTINATION`));
      assert.doesNotMatch(help, /\[source\]|\[destination\]|sync\.sh: /);
    });
  }

  it('apply --help describes PLAN.json, and keeps --dry-run among its own options', async () => {
    const help = await helpOf('apply');
    assert.match(help, /\nArguments:\n {2}PLAN\.json +a plan saved with regsync plan --out/);
    assert.ok(help.indexOf('-n, --dry-run') < help.indexOf('\nExamples:\n'), help);
  });

  it('the command list shows each command by its own usage', async () => {
    const result = await run(['--help'], { cwd: await makeTempDir('help-') });
    assert.match(result.stdout, /\n {2}apply \[options\] \[PLAN\.json\] +make the destinations/);
    assert.match(result.stdout, /\n {2}plan \[options\] +show what apply/);
    assert.doesNotMatch(result.stdout, /\[source\]|\[destination\]/);
  });
});
