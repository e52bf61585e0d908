import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationValueMs, parseDuration } from '../../src/util/duration.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;

const valid: [string, number][] = [
  ['30s', 30 * S],
  ['5min', 5 * MIN],
  ['5mi', 5 * MIN],
  ['5M', 5 * MIN],
  ['12h', 12 * H],
  ['3d', 3 * D],
  ['2w', 14 * D],
  ['3mo', 90 * D],
  ['3m', 90 * D], // lower-case m is months, as in sync.sh
  ['1y', 365 * D],
  ['1d12h', 36 * H],
  ['1y2mo3d', (365 + 60 + 3) * D],
  ['1h30mi', 90 * MIN],
  ['3600', 3600 * S], // bare number: seconds (sync.sh)
  ['0', 0],
  ['P30D', 30 * D],
  ['PT12H', 12 * H],
  ['P1Y2M', (365 + 60) * D],
  ['P1W', 7 * D],
  ['PT5M', 5 * MIN],
  ['P1DT12H', 36 * H],
  ['PT0.5S', 500],
  [' 3d ', 3 * D],
];

const invalid = ['', '3x', 'd', '-3d', '3 d', '3D', '1.5.2h', 'P', 'PT', 'P1H', 'p30d', 'P30DT', 'soon', '3dd', '12hours', 'abc'];

for (const [text, ms] of valid) {
  test(`parseDuration(${JSON.stringify(text)}) = ${ms} ms`, () => {
    assert.equal(parseDuration(text), ms);
  });
}

for (const text of invalid) {
  test(`parseDuration(${JSON.stringify(text)}) is not a duration`, () => {
    assert.equal(parseDuration(text), null);
  });
}

// Config values: what validation and normalisation both read (they once disagreed: 1e26 passed validation as
// a number of seconds, then crashed normalisation as "1e+26").
const values: [string | number, number | null][] = [
  [3600, 3_600_000],
  [0, 0],
  ['3d', 3 * D],
  [-5, null],
  [1.5, null],
  [1e26, null],
  ['100000000000000000000000000', null],
  ['99999999999999999y', null],
];

for (const [value, ms] of values) {
  test(`durationValueMs(${JSON.stringify(value)}) = ${String(ms)}`, () => {
    assert.equal(durationValueMs(value), ms);
  });
}
