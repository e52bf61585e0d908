import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttemptBudget } from '../../src/registry/attempt-budget.js';
import { isRetryable, isRetryableStatus, RequestError } from '../../src/registry/retry-rule.js';
import { RegsyncError } from '../../src/util/errors.js';

/** A resolver failure as Node reports it: `getaddrinfo CODE host`, wrapped by whoever called it. */
const resolverFailure = (code: string) =>
  new Error('fetch failed', {
    cause: Object.assign(new Error(`getaddrinfo ${code} nonexistent.invalid`), { code, hostname: 'nonexistent.invalid' }),
  });

test('one rule says what a later attempt may cure', () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), true],
    ['a name that does not resolve (ENOTFOUND)', resolverFailure('ENOTFOUND'), false],
    ['a resolver that could not answer now (EAI_AGAIN)', resolverFailure('EAI_AGAIN'), true],
    ['a retryable request error', new RequestError('x', { code: 'REGISTRY', status: 503, retryable: true }), true],
    ['a final request error', new RequestError('x', { code: 'NETWORK', retryable: false }), false],
    ['bytes damaged on the way', new RegsyncError('x', { code: 'DIGEST_MISMATCH' }), true],
    ['authentication', new RegsyncError('x', { code: 'AUTH_FAILED', status: 401 }), false],
    ['not found', new RegsyncError('x', { code: 'NOT_FOUND', status: 404 }), false],
    ['TLS trust', new RegsyncError('x', { code: 'TLS' }), false],
    ['aborted', new RegsyncError('x', { code: 'ABORTED' }), false],
  ];
  for (const [name, error, expected] of cases) assert.equal(isRetryable(error), expected, name);
});

test('retryable statuses: the server load, gateways and timeouts; not client errors', () => {
  assert.deepEqual(
    [400, 401, 403, 404, 408, 409, 429, 500, 501, 502, 503, 504, 505].filter(isRetryableStatus),
    [408, 429, 500, 502, 503, 504],
  );
});

test('an attempt budget is shared: whoever sends counts, and the first policy given is kept', () => {
  const budget = new AttemptBudget();
  budget.adopt({ attempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 });
  budget.adopt({ attempts: 9, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 });
  assert.equal(budget.begin(), 1);
  assert.ok(budget.canRetry());
  assert.equal(budget.begin(), 2);
  assert.equal(budget.canRetry(), false, 'the second layer finds the attempts spent by the first');
  assert.equal(new AttemptBudget().policy.attempts, 4, 'the default policy when no transport sent for it');
});
