import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportError } from '../../src/commands/report-error.js';
import { normalizeConfig } from '../../src/config/normalize.js';
import { InvariantError } from '../../src/util/errors.js';

function reported(error: unknown, verbose = false): string {
  let text = '';
  reportError(error, { write: (chunk: string) => (text += chunk) }, verbose);
  return text;
}

test('a broken invariant is reported by name, as a bug, never as "unexpected error"', () => {
  // Normalisation trusts validation; handed an unvalidated duration it names that rule.
  const unvalidated = () =>
    normalizeConfig(
      { mirrors: [{ name: 'a', source: '127.0.0.1:5000', destination: '127.0.0.1:5001', tags: { maxAge: 'soon' } }] },
      { file: null, baseDir: '/' },
    );
  assert.throws(
    unvalidated,
    (error: unknown) => error instanceof InvariantError && error.invariant === 'durations are validated before normalisation',
  );
  let thrown: unknown;
  try {
    unvalidated();
  } catch (error) {
    thrown = error;
  }
  assert.equal(
    reported(thrown),
    'regsync: internal error: invariant "durations are validated before normalisation" does not hold (got "soon"): a bug in regsync, please report it with the --verbose output\n',
  );
});

test('an error no layer turned into a RegsyncError is an internal error naming its type, stack only with --verbose', () => {
  const error = new TypeError("Cannot read properties of undefined (reading 'digest')");
  assert.equal(
    reported(error),
    "regsync: internal error: TypeError: Cannot read properties of undefined (reading 'digest'): a bug in regsync, please report it (--verbose shows where)\n",
  );
  const verbose = reported(error, true);
  assert.match(verbose, /^regsync: internal error: TypeError: .*please report it\n/);
  assert.match(verbose, /\n {4}at /);
  assert.doesNotMatch(reported('a string'), /unexpected/);
});
