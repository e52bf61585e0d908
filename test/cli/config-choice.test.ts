import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { copyQuickstart } from '../helpers/quickstart-copy.js';
import { run } from './run.js';

// Which config a command uses: the reviewed file, or sync.sh-style SOURCE DESTINATION, never a silent pick.
const root = mkdtempSync(path.join(tmpdir(), 'regsync-choice-'));
after(() => rmSync(root, { recursive: true, force: true }));

const FILE_CONFIG = 'mirrors:\n  - name: reviewed\n    source: 127.0.0.1:6100/team\n    destination: 127.0.0.1:6101/copy\n';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(root, 'dir-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

test('two config files in the directory: exit 1 with one line naming both', async () => {
  const dir = dirWith({ 'regsync.yaml': FILE_CONFIG, 'regsync.yml': FILE_CONFIG });
  for (const command of ['validate', 'plan', 'config']) {
    const result = await run([command], { cwd: dir });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `regsync: two config files in ${dir}: regsync.yaml and regsync.yml; keep one (remove or rename the other), or choose with -c FILE\n`,
    );
  }
  const chosen = await run(['validate', '-c', 'regsync.yml'], { cwd: dir });
  assert.equal(chosen.code, 0, chosen.stderr);
});

const STRAY = { SYNC_SRC_REGISTRY: '127.0.0.1:6200/other', SYNC_DST_REGISTRY: '127.0.0.1:6201/other', SYNC_TAGS: '^v' };

test('a config file in the directory wins over stray SYNC_* variables, with one warning naming them', async () => {
  const dir = dirWith({ 'regsync.yaml': FILE_CONFIG });
  for (const command of ['validate', 'config']) {
    const result = await run([command], { cwd: dir, env: STRAY });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /reviewed/);
    assert.doesNotMatch(result.stdout, /6200|6201|name: sync/);
    assert.equal(
      result.stderr,
      'regsync: warning: ignoring SYNC_TAGS, SYNC_SRC_REGISTRY, SYNC_DST_REGISTRY: the config file regsync.yaml is used (unset them, or give SOURCE DESTINATION on the command line for the sync.sh mode)\n',
    );
  }
});

test('-c and REGSYNC_CONFIG win over SYNC_* variables too; SYNC_DRYRUN alone is no warning', async () => {
  const dir = dirWith({ 'reviewed.yaml': FILE_CONFIG });
  const viaFlag = await run(['validate', '-c', 'reviewed.yaml'], { cwd: dir, env: { SYNC_SRC_REGISTRY: 'a:1', SYNC_DST_REGISTRY: 'b:2' } });
  assert.equal(viaFlag.code, 0, viaFlag.stderr);
  assert.match(viaFlag.stdout, /✓ reviewed:/);
  assert.match(viaFlag.stderr, /^regsync: warning: ignoring SYNC_SRC_REGISTRY, SYNC_DST_REGISTRY: the config file reviewed\.yaml is used/);
  const viaEnv = await run(['validate'], {
    cwd: dir,
    env: { REGSYNC_CONFIG: 'reviewed.yaml', SYNC_SRC_REGISTRY: 'a:1', SYNC_DST_REGISTRY: 'b:2' },
  });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.match(viaEnv.stdout, /✓ reviewed:/);
  assert.equal(viaEnv.stderr.split('\n').length, 2, 'one warning line');
  const dryRunOnly = await run(['validate', '-c', 'reviewed.yaml'], { cwd: dir, env: { SYNC_DRYRUN: '1' } });
  assert.equal(dryRunOnly.stderr, '');
});

test('without any config file, SYNC_SRC_REGISTRY and SYNC_DST_REGISTRY still select the sync.sh mode', async () => {
  const dir = dirWith({});
  const result = await run(['validate'], { cwd: dir, env: STRAY });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    '✓ sync: 127.0.0.1:6200/other → 127.0.0.1:6201/other (docker executor)\nThe command line is valid: 1 mirror.\n',
  );
  assert.equal(result.stderr, '');
});

test('positional SOURCE DESTINATION select the sync.sh mode and say the config file in the directory is not used', async () => {
  const dir = dirWith({ 'regsync.yaml': FILE_CONFIG });
  const result = await run(['validate', '127.0.0.1:6300', '127.0.0.1:6301'], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '✓ sync: 127.0.0.1:6300 → 127.0.0.1:6301 (docker executor)\nThe command line is valid: 1 mirror.\n');
  assert.equal(
    result.stderr,
    'regsync: warning: the config file regsync.yaml in this directory is not used: the sync.sh-style command line (SOURCE DESTINATION and its flags) replaces it\n',
  );
  const viaEnv = await run(['validate', '127.0.0.1:6300', '127.0.0.1:6301'], { cwd: dir, env: { REGSYNC_CONFIG: 'regsync.yaml' } });
  assert.match(viaEnv.stderr, /^regsync: warning: the config file regsync\.yaml \(REGSYNC_CONFIG\) is not used/);
});

test('SYNC_SRC_REGISTRY differing from a positional SOURCE wins, as in sync.sh, with a warning', async () => {
  const dir = dirWith({});
  const env = { SYNC_SRC_REGISTRY: '127.0.0.1:6400', SYNC_DST_REGISTRY: '127.0.0.1:6301' };
  const result = await run(['validate', '127.0.0.1:6300', '127.0.0.1:6301'], { cwd: dir, env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^✓ sync: 127\.0\.0\.1:6400 → 127\.0\.0\.1:6301 /);
  assert.equal(
    result.stderr,
    'regsync: warning: SYNC_SRC_REGISTRY=127.0.0.1:6400 replaces SOURCE 127.0.0.1:6300, as in sync.sh: unset SYNC_SRC_REGISTRY to use 127.0.0.1:6300\n',
  );
});

test('plan in a directory with regsync.yaml plans that file, not the mirror stray SYNC_* variables describe', async () => {
  const quickstart = await copyQuickstart();
  const cache = mkdtempSync(path.join(root, 'cache-'));
  const result = await run(['plan', '--json'], { cwd: quickstart, env: { ...STRAY, REGSYNC_CACHE_DIR: cache } });
  assert.equal(result.code, 0, result.stderr);
  const plan = JSON.parse(result.stdout) as { changes: { mirror: string }[] };
  assert.ok(plan.changes.length > 0);
  assert.deepEqual([...new Set(plan.changes.map((change) => change.mirror))], ['team']);
  assert.match(result.stderr, /^regsync: warning: ignoring SYNC_TAGS, SYNC_SRC_REGISTRY, SYNC_DST_REGISTRY: /);
});

test('an ocidir:// positional needs --executor registry (docker, the default, cannot read OCI layouts)', async () => {
  const dir = dirWith({});
  const refused = await run(['plan', 'ocidir://./images', '127.0.0.1:6301'], { cwd: dir });
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr,
    'SOURCE: the docker executor cannot read or write OCI layouts (ocidir://./images): use executor: registry (--executor registry)\nregsync: invalid config (1 problem)\n',
  );
  const explicitDocker = await run(['validate', '127.0.0.1:6300', 'ocidir://./out', '--executor', 'docker'], { cwd: dir });
  assert.match(explicitDocker.stderr, /^DESTINATION: the docker executor cannot read or write OCI layouts \(ocidir:\/\/\.\/out\)/);
  const accepted = await run(['validate', 'ocidir://./images', 'ocidir://./out', '--executor', 'registry'], { cwd: dir });
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.equal(accepted.stdout, '✓ sync: ocidir://./images → ocidir://./out (registry executor)\nThe command line is valid: 1 mirror.\n');
  const config = await run(['config', '127.0.0.1:6300', '127.0.0.1:6301', '--executor', 'registry'], { cwd: dir });
  assert.match(config.stdout, /executor: registry/);
  const wrong = await run(['validate', '127.0.0.1:6300', '127.0.0.1:6301', '--executor', 'skopeo'], { cwd: dir });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^regsync: option '--executor <name>' argument 'skopeo' is invalid\. Allowed choices are docker, registry\./);
});
