import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rateLimitMessage } from '../../src/apply/rate-limit-gate.js';

test('rate limit reached: the message says when to run apply again, from what the host said', () => {
  const now = Date.parse('2026-01-01T10:00:00Z');
  assert.equal(
    rateLimitMessage('docker.io', { retryAt: now + 3 * 3600_000 + 30_000, windowSeconds: 21600 }, now),
    'rate limit reached at docker.io; retry after 2026-01-01T13:01Z (in 3h30s), then run apply again to complete this change',
  );
  assert.equal(
    rateLimitMessage('docker.io', { retryAt: null, windowSeconds: 21600 }, now),
    'rate limit reached at docker.io; retry after its 6h window resets (at most 6h from now), then run apply again to complete this change',
  );
  assert.equal(
    rateLimitMessage('127.0.0.1:5000', { retryAt: null, windowSeconds: null }, now),
    'rate limit reached at 127.0.0.1:5000; retry after the registry resets its limit (it did not say when), then run apply again to complete this change',
  );
});
