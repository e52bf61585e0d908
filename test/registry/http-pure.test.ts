import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter, retryDecision } from '../../src/registry/http/backoff.js';
import { parseChallenges } from '../../src/registry/http/challenge.js';
import { registryErrorText } from '../../src/registry/http/errors.js';
import { nextLink } from '../../src/registry/http/link.js';
import { grantedAtoms, mergeScopes, TokenCache } from '../../src/registry/http/scopes.js';
import { isLoopbackHost } from '../../src/registry/http/tls.js';
import { tlsError } from '../../src/registry/http/failures.js';
import { alreadyVerifies, verifyingStream } from '../../src/registry/http/verify-stream.js';
import { parseRateLimitHeader, RateLimitTracker } from '../../src/registry/http/rate-limits.js';
import { redact, redactUrl } from '../../src/util/redact.js';

const challengeCases: Array<[string, ReturnType<typeof parseChallenges>]> = [
  ['Basic realm="test"', [{ scheme: 'basic', params: { realm: 'test' } }]],
  [
    'Bearer realm="http://127.0.0.1:9/token",service="reg",scope="repository:a/b:pull,push"',
    [{ scheme: 'bearer', params: { realm: 'http://127.0.0.1:9/token', service: 'reg', scope: 'repository:a/b:pull,push' } }],
  ],
  [
    'Bearer realm="https://auth.docker.io/token", service="registry.docker.io", error="insufficient_scope"',
    [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', error: 'insufficient_scope' } }],
  ],
  [
    'Basic realm="a, b", Bearer realm=x,service=y',
    [
      { scheme: 'basic', params: { realm: 'a, b' } },
      { scheme: 'bearer', params: { realm: 'x', service: 'y' } },
    ],
  ],
  ['bearer REALM="q\\"uoted"', [{ scheme: 'bearer', params: { realm: 'q"uoted' } }]],
  ['', []],
];
for (const [header, expected] of challengeCases) {
  test(`parseChallenges(${JSON.stringify(header)})`, () => assert.deepEqual(parseChallenges(header), expected));
}

const base = 'http://127.0.0.1:5000/v2/_catalog?n=2';
const linkCases: Array<[string | null, string | null]> = [
  ['</v2/_catalog?last=b&n=2>; rel="next"', 'http://127.0.0.1:5000/v2/_catalog?last=b&n=2'],
  ['<https://other.example/v2/x/tags/list?last=t>; rel=next', 'https://other.example/v2/x/tags/list?last=t'],
  ['</prev>; rel="prev", </next?n=2>; rel="next"', 'http://127.0.0.1:5000/next?n=2'],
  ['</v2/_catalog?last=b>; rel="first"', null],
  [null, null],
];
for (const [header, expected] of linkCases) {
  test(`nextLink(${JSON.stringify(header)})`, () => assert.equal(nextLink(header, base)?.toString() ?? null, expected));
}

test('backoff grows exponentially, is capped, and jitters within [ceiling/2, ceiling]', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((attempt) => backoffDelay(policy, attempt, () => 1)),
    [100, 200, 400, 800, 1000],
  );
  assert.deepEqual(
    [1, 2, 3].map((attempt) => backoffDelay(policy, attempt, () => 0)),
    [50, 100, 200],
  );
});

test('Retry-After accepts seconds and HTTP dates', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('3', now), 3000);
  assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:10 GMT', now), 10_000);
  assert.equal(parseRetryAfter('garbage', now), null);
  assert.equal(parseRetryAfter(null, now), null);
});

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name.toLowerCase()] ?? null });
const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };
const decisionCases: Array<[string, number, number, Record<string, string>, ReturnType<typeof retryDecision>]> = [
  ['404 is final', 1, 404, {}, { retry: false, why: null, retryable: false }],
  ['503 retries with backoff', 1, 503, {}, { retry: true, delayMs: 100 }],
  ['429 honours Retry-After', 1, 429, { 'retry-after': '2' }, { retry: true, delayMs: 2000 }],
  [
    'too long a Retry-After fails',
    1,
    429,
    { 'retry-after': '60' },
    { retry: false, retryable: false, why: 'the registry asks to wait 60 s' },
  ],
  [
    'Docker Hub exhausted limit fails with a hint',
    1,
    429,
    { 'ratelimit-remaining': '0;w=21600' },
    { retry: false, retryable: false, why: 'the registry asks to wait 21600 s (rate limit exhausted: add credentials or try later)' },
  ],
  ['attempts are bounded', 4, 503, {}, { retry: false, why: 'gave up after 4 attempts', retryable: true }],
];
for (const [name, attempt, status, values, expected] of decisionCases) {
  test(`retryDecision: ${name}`, () =>
    assert.deepEqual(
      retryDecision(policy, attempt, status, headers(values), 0, () => 1),
      expected,
    ));
}

test('scopes merge per resource, sorted', () => {
  assert.deepEqual(mergeScopes(['repository:dst:pull', 'repository:src:pull', 'repository:dst:push,pull']), [
    'repository:dst:pull,push',
    'repository:src:pull',
  ]);
});

test('token cache: exact hit, covering hit, expiry', () => {
  const cache = new TokenCache();
  cache.set(['repository:dst:pull,push', 'repository:src:pull'], 'opaque-token', 60, 0);
  assert.equal(cache.get(['repository:src:pull', 'repository:dst:pull,push'], 1000), 'opaque-token');
  assert.equal(cache.get(['repository:dst:pull'], 1000), 'opaque-token', 'a token for more covers less');
  assert.equal(cache.get(['repository:other:pull'], 1000), null);
  assert.equal(cache.get(['repository:dst:pull'], 59_000), null, 'renewed before it expires');
  cache.set(['repository:a:pull'], 'second', 60, 0);
  cache.drop('second');
  assert.equal(cache.get(['repository:a:pull'], 1), null);
});

test('token cache trusts a JWT access claim over what was asked for', () => {
  const payload = Buffer.from(JSON.stringify({ access: [{ type: 'repository', name: 'a', actions: ['pull'] }] })).toString('base64url');
  const jwt = `e30.${payload}.sig`;
  assert.deepEqual([...(grantedAtoms(jwt) ?? [])], ['repository:a:pull']);
  const cache = new TokenCache();
  cache.set(['repository:a:pull,push'], jwt, 300, 0);
  assert.equal(cache.get(['repository:a:pull,push'], 1), jwt, 'the exact request is still answered from the cache');
  assert.equal(cache.get(['repository:a:push'], 1), null, 'but the token does not claim push for other requests');
});

test('loopback detection', () => {
  for (const host of ['localhost', 'localhost:5000', '127.0.0.1', '127.1.2.3:80', '[::1]', '[::1]:5000'])
    assert.ok(isLoopbackHost(host), host);
  for (const host of ['registry.example.com', '10.0.0.1:5000', 'ghcr.io', '127.example.com']) assert.ok(!isLoopbackHost(host), host);
});

test('registry error bodies become CODE: message', () => {
  assert.equal(
    registryErrorText('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}'),
    'NAME_UNKNOWN: repository name not known to registry',
  );
  assert.equal(registryErrorText('plain   text\n'), 'plain text');
});

test('TLS trust errors say what to set; other errors are not TLS', () => {
  const wrapped = new TypeError('fetch failed', {
    cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
  });
  const error = tlsError(wrapped, '127.0.0.1:5003');
  assert.equal(error?.code, 'TLS');
  assert.equal(error?.message, 'TLS certificate of 127.0.0.1:5003 is not trusted (self-signed certificate)');
  assert.deepEqual(error?.hint, { kind: 'tls-untrusted', host: '127.0.0.1:5003' });
  assert.equal(
    tlsError(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }), 'h'),
    null,
  );
});

test('redaction removes secrets and Authorization values', () => {
  assert.equal(redact('user s3cret-pass failed', ['s3cret-pass']), 'user *** failed');
  assert.equal(redact('Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.abc.def', []), 'Authorization: Bearer ***');
  assert.equal(
    redactUrl('https://bucket.s3/blob?X-Amz-Signature=abc&partNumber=1'),
    'https://bucket.s3/blob?X-Amz-Signature=***&partNumber=1',
  );
});

test('rate-limit headers: count and window read, the lowest remaining kept, absent headers ignored', () => {
  assert.deepEqual(parseRateLimitHeader('100;w=21600'), { count: 100, windowSeconds: 21600 });
  assert.deepEqual(parseRateLimitHeader('76'), { count: 76, windowSeconds: null });
  assert.equal(parseRateLimitHeader(null), null);
  assert.equal(parseRateLimitHeader('lots'), null);
  const tracker = new RateLimitTracker();
  const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
  tracker.note(headers({}));
  assert.equal(tracker.snapshot(), null);
  tracker.note(headers({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' }));
  tracker.note(headers({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '80;w=21600' }));
  assert.deepEqual(tracker.snapshot(), { limit: 100, remaining: 76, windowSeconds: 21600 });
  tracker.note(headers({ 'ratelimit-remaining': '3' }));
  assert.deepEqual(tracker.snapshot(), { limit: 100, remaining: 3, windowSeconds: 21600 }, 'what an earlier response said is kept');
});

test('rate limit reached: at remaining 0 or a 429 given up on, with when it comes back if the host says', () => {
  const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
  const now = Date.parse('2026-01-01T00:00:00Z');
  const tracker = new RateLimitTracker();
  tracker.note(headers({ 'ratelimit-remaining': '1;w=21600' }), now);
  assert.equal(tracker.reached(now), null, 'one left is not spent');
  tracker.note(headers({ 'ratelimit-remaining': '0;w=21600' }), now);
  assert.deepEqual(tracker.reached(now), { retryAt: null, windowSeconds: 21600 });
  tracker.exhausted(headers({ 'retry-after': '120' }), now);
  assert.deepEqual(tracker.reached(now), { retryAt: now + 120_000, windowSeconds: 21600 });
  const reset = new RateLimitTracker();
  reset.exhausted(headers({ 'ratelimit-reset': '60' }), now);
  assert.deepEqual(reset.reached(now), { retryAt: now + 60_000, windowSeconds: null });
});

test('rate limit reached: no longer once the time the host gave has come', () => {
  const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
  const now = Date.parse('2026-01-01T00:00:00Z');
  const tracker = new RateLimitTracker();
  tracker.refused(headers({ 'retry-after': '3600' }), 60_000, now);
  assert.deepEqual(tracker.reached(now + 3_599_999), { retryAt: now + 3_600_000, windowSeconds: null });
  assert.equal(tracker.reached(now + 3_600_000), null, 'the budget is back');
  tracker.note(headers({ 'ratelimit-remaining': '0;w=21600' }), now + 3_700_000);
  assert.deepEqual(tracker.reached(now + 3_700_000), { retryAt: null, windowSeconds: 21600 }, 'a past retry time is not inherited');
});

const refusalCases: Array<[string, Record<string, string>, boolean]> = [
  ['a burst 429 that ran out of attempts', { 'retry-after': '2' }, false],
  ['a 429 without any header', {}, false],
  ['a 429 asking to wait exactly what a retry waits', { 'retry-after': '60' }, false],
  ['a 429 asking to wait longer than a retry waits', { 'retry-after': '61' }, true],
  ['a 429 whose reset is beyond a retry', { 'ratelimit-reset': '3600' }, true],
  ['a 429 saying none remains', { 'ratelimit-remaining': '0;w=21600', 'retry-after': '2' }, true],
  ['a 429 with some remaining', { 'ratelimit-remaining': '5;w=21600' }, false],
];

for (const [name, values, spent] of refusalCases) {
  test(`rate limit refused: ${name} ${spent ? 'spends' : 'does not spend'} the budget`, () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const tracker = new RateLimitTracker();
    tracker.refused({ get: (header: string) => values[header] ?? null }, 60_000, now);
    assert.equal(tracker.reached(now) !== null, spent);
  });
}

test('an upload knows a stream that verifies the same digest and size already, and only that one', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const hashing = verifyingStream({ digest, size: 10, describe: 'from test' });
  assert.equal(alreadyVerifies(hashing, digest, 10), true);
  assert.equal(alreadyVerifies(hashing, `sha256:${'b'.repeat(64)}`, 10), false);
  assert.equal(alreadyVerifies(hashing, digest, 11), false);
  assert.equal(alreadyVerifies(verifyingStream({ digest, size: 10, describe: 'counting', hash: false }), digest, 10), false);
  assert.equal(alreadyVerifies(Readable.from([Buffer.from('x')]), digest, 1), false);
});
