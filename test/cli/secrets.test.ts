import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { run } from './run.js';

// Credentials never reach stderr: not from an endpoint that holds them, not from any later error line.
const root = mkdtempSync(path.join(tmpdir(), 'regsync-secrets-'));
after(() => rmSync(root, { recursive: true, force: true }));

function dirWith(config: string): string {
  const dir = mkdtempSync(path.join(root, 'dir-'));
  writeFileSync(path.join(dir, 'regsync.yaml'), config);
  return dir;
}

test('credentials inside source/destination: a config error saying where they go, without the password', async () => {
  const dir = dirWith(
    'mirrors:\n  - name: a\n    source: alice:s3cr3t@127.0.0.1:5000/x\n    destination: https://bob:pw@127.0.0.1:5001\n    executor: registry\n',
  );
  for (const argv of [['validate'], ['plan'], ['config'], ['validate', '-v']]) {
    const result = await run(argv, { cwd: dir });
    assert.equal(result.code, 1, argv.join(' '));
    assert.equal(result.stdout, '');
    assert.ok(!result.stderr.includes('s3cr3t') && !result.stderr.includes(':pw@'), result.stderr);
    assert.match(
      result.stderr,
      /^regsync\.yaml:3:13 \/mirrors\/0\/source: credentials do not belong in source: write 127\.0\.0\.1:5000\/x and put them under registries\."127\.0\.0\.1:5000"\.username\/password/,
    );
    assert.match(
      result.stderr,
      /\nregsync\.yaml:4:18 \/mirrors\/0\/destination: credentials do not belong in destination: write 127\.0\.0\.1:5001 /,
    );
  }
});

test('credentials inside a positional SOURCE: the same error, pointing at --src-auth', async () => {
  const result = await run(['validate', 'alice:s3cr3t@127.0.0.1:5000/x', '127.0.0.1:5001', '--src-auth', 'alice:s3cr3t'], { cwd: root });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    'SOURCE: credentials do not belong in the registry: write 127.0.0.1:5000/x and pass --src-auth USER:PASSWORD (in a config file: registries."127.0.0.1:5000".username/password)\nregsync: invalid config (1 problem)\n',
  );
});

test('an error line after the config is read passes through the same redaction as regsync config', async () => {
  const dir = dirWith(
    'registries:\n  "127.0.0.1:5000":\n    username: alice\n    password: ${PASS}\nmirrors:\n  - name: a\n    source: 127.0.0.1:5000\n    destination: 127.0.0.1:5001\n',
  );
  // A password pasted into the wrong place ends up in an error message; it is still never shown.
  const result = await run(['plan', '--mirror', 'hunter2-secret'], { cwd: dir, env: { PASS: 'hunter2-secret' } });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'regsync: no mirror named "***" in the config; mirrors: a\n');
});

test('a user name is shown, from a ${VAR} too; a password that contains it or is part of a message is still ***', async () => {
  const dir = dirWith(
    'registries:\n  "127.0.0.1:5000":\n    username: ${REG_USER}\n    password: ${REG_PASS}\n  "127.0.0.1:5001":\n    username: bob\n    password: bob-pw-1234\nmirrors:\n  - name: a\n    source: 127.0.0.1:5000\n    destination: 127.0.0.1:5001\n',
  );
  const env = { REG_USER: 'alice', REG_PASS: 'alice-s3cret' };
  const config = await run(['config'], { cwd: dir, env });
  assert.equal(config.code, 0, config.stderr);
  assert.match(config.stdout, / 127\.0\.0\.1:5000:\n {4}username: alice\n {4}password: "\*\*\*"\n/);
  assert.match(config.stdout, / 127\.0\.0\.1:5001:\n {4}username: bob\n {4}password: "\*\*\*"\n/);
  for (const secret of ['alice-s3cret', 'bob-pw-1234']) assert.ok(!config.stdout.includes(secret), config.stdout);
  // Every later stderr line is redacted: a password inside a message still is, the user name alone is not.
  const named = await run(['plan', '--mirror', 'alice-s3cret', '--mirror', 'alice'], { cwd: dir, env });
  assert.equal(named.stderr, 'regsync: no mirror named "***", "alice" in the config; mirrors: a\n');
});
