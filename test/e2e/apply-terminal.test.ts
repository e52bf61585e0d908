/**
 * `regsync apply` as a person runs it: on a REAL pseudo-terminal (util-linux `script`, test/harness/pty.ts), from a
 * copy of the Quickstart (ocidir, no registry). The plan, the question, the answer typed once the question shows;
 * only `yes` applies, anything else (also Ctrl-C and Ctrl-D) prints `Apply cancelled.`, exits 1 and writes
 * nothing; the live task tree is drawn while copying, also on a terminal that reports 0 columns.
 */
import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { plainText, runInPty } from '../harness/pty.js';
import { regsyncArgv } from '../harness/regsync-argv.js';
import type { PtyExit } from '../harness/pty.js';
import { makeTempDir } from '../harness/temp.js';
import { run } from '../cli/run.js';

const QUICKSTART = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));
const QUESTION = 'Apply these changes? (yes/no)';

/** A fresh copy of the Quickstart (never the checkout: a user's earlier apply may have written ./mirrored there). */
async function quickstartCopy(): Promise<string> {
  const dir = await makeTempDir('apply-tty-');
  await cp(QUICKSTART, dir, { recursive: true, filter: (path) => !path.includes('/mirrored') });
  return dir;
}

/** `regsync apply` on a terminal of `columns` columns, `keys` typed once the question is on screen. */
async function applyAnswering(keys: string, columns = 120): Promise<{ dir: string; exit: PtyExit; screen: string }> {
  const dir = await quickstartCopy();
  const env = { PATH: process.env.PATH, HOME: dir, REGSYNC_CACHE_DIR: join(dir, '.cache') };
  const session = await runInPty(regsyncArgv(['apply']), { cwd: dir, env, columns });
  await session.waitFor(QUESTION);
  session.type(keys);
  const exit = await session.waitForExit();
  return { dir, exit, screen: plainText(exit.output) };
}

/** What the quickstart's destination holds now, as a second plan sees it. */
async function replan(dir: string): Promise<string> {
  const planned = await run(['plan', '-q', '-c', 'regsync.yaml'], { cwd: dir, env: { REGSYNC_CACHE_DIR: '' } });
  assert.equal(planned.code, 0, planned.stderr);
  return planned.stdout.trim();
}

const TREE_DONE = [
  '✔ ocidir://./mirrored/mirror/api',
  '  ✔ create api:v1.1.0 (761 B)',
  '  ✔ create api:v1.2.0 (762 B)',
  '✔ ocidir://./mirrored/mirror/web',
  '  ✔ create web:v3.4.1 (1.5 kB)',
  '  ✔ create web:v3.5.0 (762 B)',
].join('\n');

describe('regsync apply on a terminal', () => {
  it('shows the plan, asks, and `yes` applies: the destination then holds every change', async () => {
    const { dir, exit, screen } = await applyAnswering('yes\r');
    assert.equal(exit.code, 0, screen);
    const asked = screen.indexOf(QUESTION);
    assert.ok(screen.lastIndexOf('Plan: 4 to create, 0 to update, 0 to delete, 0 unchanged.', asked) >= 0, screen);
    assert.match(screen, /Apply these changes\? \(yes\/no\) yes\n/);
    assert.match(screen, /\nApply complete: 4 created, 0 updated, 0 deleted, 0 failed\.\n/);
    assert.doesNotMatch(screen, /internal error|Apply cancelled/);
    assert.equal(await replan(dir), 'No changes. The destination is up to date.');
  });

  it('draws the live task tree while copying: repositories with their changes, redrawn in place', async () => {
    const { exit, screen } = await applyAnswering('yes\r');
    assert.equal(exit.code, 0, screen);
    const afterQuestion = exit.output.slice(exit.output.indexOf(QUESTION));
    // log-update erases the previous frame (erase line, cursor up) before each redraw: the live renderer, not
    // the simple one that CI logs get.
    assert.ok(afterQuestion.includes('\x1b[2K\x1b[1A'), JSON.stringify(afterQuestion));
    assert.ok(screen.includes(`${TREE_DONE}\nApply complete:`), screen);
  });

  it('on a terminal reporting 0 columns the tree keeps whole lines (80 columns), not one character per line', async () => {
    const { dir, exit, screen } = await applyAnswering('yes\r', 0);
    assert.equal(exit.code, 0, screen);
    assert.ok(screen.includes(`${TREE_DONE}\nApply complete:`), screen);
    const tree = screen.slice(screen.indexOf(QUESTION)).split('\n').slice(1, -2);
    const slivers = tree.filter((line) => line.trim().length === 1);
    assert.deepEqual(slivers, [], screen);
    assert.equal(await replan(dir), 'No changes. The destination is up to date.');
  });

  for (const [what, keys] of [
    ['answered `no`', 'no\r'],
    ['answered `y` (only `yes` applies)', 'y\r'],
    ['Ctrl-C at the question', '\x03'],
    ['Ctrl-D (end of input) at the question', '\x04'],
  ] as const) {
    it(`${what}: Apply cancelled., exit 1, the destination untouched`, async () => {
      const { dir, exit, screen } = await applyAnswering(keys);
      assert.equal(exit.code, 1, screen);
      assert.match(screen, /Apply these changes\? \(yes\/no\) [^\n]*\nApply cancelled\.\n$/);
      assert.doesNotMatch(screen, /internal error|Apply complete|interrupted/);
      assert.equal(existsSync(join(dir, 'mirrored')), false, 'nothing was written');
      assert.equal(await replan(dir), 'Plan: 4 to create, 0 to update, 0 to delete, 0 unchanged.');
    });
  }
});
