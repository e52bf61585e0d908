import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatsCounter, sumStats } from '../../src/registry/http/stats.js';

test('the stats count requests per host and method, responses per host and status, in a stable order', () => {
  const stats = new StatsCounter();
  for (const [host, method] of [
    ['b.example:5000', 'HEAD'],
    ['a.example', 'GET'],
    ['b.example:5000', 'HEAD'],
    ['b.example:5000', 'GET'],
  ] as const)
    stats.request(host, method);
  stats.response('b.example:5000', 200);
  stats.response('b.example:5000', 404);
  stats.response('b.example:5000', 200);
  stats.manifestGet('a.example');
  stats.download(10);
  stats.upload(3);
  const snapshot = stats.snapshot();
  assert.equal(snapshot.requests, 4);
  assert.deepEqual(Object.entries(snapshot.byHostAndMethod), [
    ['a.example GET', 1],
    ['b.example:5000 GET', 1],
    ['b.example:5000 HEAD', 2],
  ]);
  assert.deepEqual(snapshot.byHostAndCode, { 'b.example:5000 200': 2, 'b.example:5000 404': 1 });
  assert.deepEqual(snapshot.manifestGets, { 'a.example': 1 });
  assert.equal(snapshot.bytesDownloaded, 10);
  assert.equal(snapshot.bytesUploaded, 3);
  const total = sumStats([snapshot, snapshot]);
  assert.equal(total.requests, 8);
  assert.equal(total.byHostAndMethod['b.example:5000 HEAD'], 4);
  assert.equal(total.byHostAndCode?.['b.example:5000 404'], 2);
});
