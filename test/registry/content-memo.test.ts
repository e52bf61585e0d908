import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContentMemo, MEMO_ENTRY_LIMIT } from '../../src/registry/content-memo.js';

const entry = (size: number, fill = 1) => ({ bytes: Buffer.alloc(size, fill), contentType: null });

test('a memo answers for the registry and repository it was told about, nothing else', () => {
  const memo = new ContentMemo();
  memo.set('a:5000', 'team/app', 'sha256:1', { bytes: Buffer.from('{}'), contentType: 'application/json' });
  assert.equal(memo.get('a:5000', 'team/app', 'sha256:1')?.contentType, 'application/json');
  assert.equal(memo.get('a:5000', 'team/other', 'sha256:1'), null);
  assert.equal(memo.get('b:5000', 'team/app', 'sha256:1'), null);
});

test('past its bound the oldest entries go, so memory stays flat', () => {
  const memo = new ContentMemo(1000);
  for (let i = 0; i < 50; i += 1) memo.set('r', 'repo', `sha256:${i}`, entry(100));
  assert.ok(memo.size <= 1000, `${memo.size} bytes held`);
  assert.equal(memo.get('r', 'repo', 'sha256:0'), null);
  assert.notEqual(memo.get('r', 'repo', 'sha256:49'), null);
});

test('a body over the entry limit (a layer) is never kept', () => {
  const memo = new ContentMemo();
  memo.set('r', 'repo', 'sha256:big', entry(MEMO_ENTRY_LIMIT + 1));
  assert.equal(memo.get('r', 'repo', 'sha256:big'), null);
  assert.equal(memo.size, 0);
});
