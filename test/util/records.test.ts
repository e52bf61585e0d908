import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownEntry, setOwnEntry } from '../../src/util/records.js';

test('setOwnEntry makes own, enumerable entries for any tag name, __proto__ and constructor included', () => {
  const record: Record<string, number> = {};
  for (const [index, key] of ['v1', 'constructor', 'toString', 'hasOwnProperty', '__proto__'].entries()) setOwnEntry(record, key, index);
  assert.equal(Object.getPrototypeOf(record), Object.prototype, 'the prototype is untouched');
  assert.deepEqual(Object.keys(record), ['v1', 'constructor', 'toString', 'hasOwnProperty', '__proto__']);
  assert.equal(ownEntry(record, '__proto__'), 4);
  assert.equal(ownEntry(record, 'constructor'), 1);
  assert.equal(JSON.stringify(record), '{"v1":0,"constructor":1,"toString":2,"hasOwnProperty":3,"__proto__":4}');
});

test('setOwnEntry replaces an entry set before, ownEntry finds nothing inherited', () => {
  const record: Record<string, string> = {};
  setOwnEntry(record, '__proto__', 'a');
  setOwnEntry(record, '__proto__', 'b');
  setOwnEntry(record, 'latest', 'a');
  setOwnEntry(record, 'latest', 'b');
  assert.deepEqual(Object.entries(record), [
    ['__proto__', 'b'],
    ['latest', 'b'],
  ]);
  assert.equal(ownEntry({}, 'constructor'), undefined);
  assert.equal(ownEntry({}, 'valueOf'), undefined);
});
