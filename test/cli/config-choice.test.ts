import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
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
