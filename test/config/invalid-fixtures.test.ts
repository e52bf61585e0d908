import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from '../cli/run.js';

// Each broken config has a sibling NAME.expected.txt holding the exact stderr of `regsync validate -c NAME.yaml`.
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/config/invalid');
const fixtures = readdirSync(dir)
  .filter((name) => name.endsWith('.yaml'))
  .sort();

test('there are at least 15 broken configs, each with its expected messages', () => {
  assert.ok(fixtures.length >= 15, `only ${fixtures.length} fixtures`);
  for (const name of fixtures) readFileSync(path.join(dir, name.replace(/\.yaml$/, '.expected.txt')), 'utf8');
});

for (const name of fixtures) {
  test(`validate ${name}: exit 1 with the expected messages`, async () => {
    const expected = readFileSync(path.join(dir, name.replace(/\.yaml$/, '.expected.txt')), 'utf8');
    const result = await run(['validate', '-c', name], { cwd: dir, env: {} });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, expected);
    // Every problem line names the file, and (except for an empty file) the line and the JSON path or YAML error.
    const lines = result.stderr.trimEnd().split('\n');
    assert.match(lines.at(-1) ?? '', /^regsync: invalid config \(\d+ problems?\)$/);
    for (const line of lines.slice(0, -1)) {
      assert.ok(line.startsWith(`${name}:`), line);
      if (name !== 'empty-file.yaml') assert.match(line, new RegExp(`^${name.replace('.', '\\.')}:\\d+:\\d+ (/|YAML syntax error)`));
    }
  });
}

test('all problems are reported at once, sorted by line', async () => {
  const result = await run(['validate', '-c', 'several-errors.yaml'], { cwd: dir, env: {} });
  const lines = result.stderr.trimEnd().split('\n').slice(0, -1);
  assert.ok(lines.length >= 8, result.stderr);
  const numbers = lines.map((line) => Number(/^[^:]+:(\d+):/.exec(line)?.[1]));
  assert.deepEqual(
    numbers,
    [...numbers].sort((a, b) => a - b),
  );
  for (const fragment of [
    'executor',
    'not a valid regular expression',
    'not a duration',
    'semver',
    'duplicate mirror name',
    'rename',
    'removalQueue',
    'passwrd',
  ]) {
    assert.ok(result.stderr.includes(fragment), `missing ${fragment}`);
  }
});

test('the exact message format of the issue', async () => {
  const result = await run(['validate', '-c', 'bad-duration.yaml'], { cwd: dir, env: {} });
  assert.ok(result.stderr.startsWith('bad-duration.yaml:14:15 /mirrors/1/tags/maxAge: "3x" is not a duration (try 3d, 12h or P3D)\n'));
});

test('a variable that is set is used, so the missing-env fixture becomes valid', async () => {
  const result = await run(['validate', '-c', 'missing-env.yaml'], { cwd: dir, env: { REGSYNC_TEST_UNSET_USER: 'bob' } });
  assert.equal(result.stderr, '');
  assert.equal(result.code, 0);
});
