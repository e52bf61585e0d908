/**
 * Durations as users write them: the original tool's units (`30s`, `5mi`, `5M`, `12h`, `3d`, `2w`, `3mo`, `3m`, `1y`),
 * compounds such as `1d12h`, a bare number of seconds, and ISO 8601 (`P30D`, `PT12H`, `P1Y2M`).
 * Months are 30 days and years 365 days, as in the original tool, so a duration is a fixed number of milliseconds.
 */

import {
  millisecondsInDay,
  millisecondsInHour,
  millisecondsInMinute,
  millisecondsInSecond,
  millisecondsInWeek,
  minutesInMonth,
  minutesInYear,
} from 'date-fns/constants';

const SECOND = millisecondsInSecond;
const MINUTE = millisecondsInMinute;
const HOUR = millisecondsInHour;
const DAY = millisecondsInDay;
const WEEK = millisecondsInWeek;
// date-fns's calendar-free month and year: 30 and 365 days, exactly sync.sh's (its daysInYear, 365.2425, is not).
const MONTH = minutesInMonth * MINUTE;
const YEAR = minutesInYear * MINUTE;

// Case matters: lower-case `m` is months and upper-case `M` minutes, exactly as in sync.sh.
const UNIT_MS: Record<string, number> = {
  s: SECOND,
  min: MINUTE,
  mi: MINUTE,
  M: MINUTE,
  h: HOUR,
  d: DAY,
  w: WEEK,
  mo: MONTH,
  m: MONTH,
  y: YEAR,
};

// Longest units first so `min` is not read as `m` followed by garbage.
const COMPOUND_PART = /(\d+(?:\.\d+)?)(min|mi|mo|M|m|s|h|d|w|y)/y;
const ISO =
  /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds for `text`, or null when it is not a duration regsync understands. */
export function parseDuration(text: string): number | null {
  const input = text.trim();
  if (input === '') return null;
  const ms = /^\d+$/.test(input) ? Number(input) * SECOND : input.startsWith('P') ? parseIso(input) : parseCompound(input);
  // Beyond 2^53 ms (285,000 years) arithmetic on dates loses meaning; such a value is a typo, not a filter.
  return ms !== null && Number.isSafeInteger(ms) ? ms : null;
}

/**
 * A duration as a config value: a string as above, or a bare number of seconds (YAML `maxAge: 3600`). The one
 * reading both validation and normalisation use, so they can never disagree about a value.
 */
export function durationValueMs(value: string | number): number | null {
  if (typeof value === 'string') return parseDuration(value);
  return Number.isSafeInteger(value) && value >= 0 ? parseDuration(String(value)) : null;
}

/** A one-line hint listing accepted forms, for error messages. */
export const DURATION_HINT = 'try 3d, 12h or P3D';

function parseCompound(input: string): number | null {
  let total = 0;
  let index = 0;
  COMPOUND_PART.lastIndex = 0;
  while (index < input.length) {
    COMPOUND_PART.lastIndex = index;
    const match = COMPOUND_PART.exec(input);
    if (match === null) return null;
    const [whole, amount, unit] = match;
    const unitMs = unit === undefined ? undefined : UNIT_MS[unit];
    if (amount === undefined || unitMs === undefined) return null;
    total += Number(amount) * unitMs;
    index += whole.length;
  }
  return Math.round(total);
}

function parseIso(input: string): number | null {
  const match = ISO.exec(input);
  if (match === null) return null;
  // `P` alone or a dangling `T` carries no component and is not a duration.
  if (input === 'P' || input.endsWith('T')) return null;
  const weights = [YEAR, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND];
  let total = 0;
  let seen = false;
  weights.forEach((weight, i) => {
    const part = match[i + 1];
    if (part !== undefined) {
      seen = true;
      total += Number(part) * weight;
    }
  });
  return seen ? Math.round(total) : null;
}

/**
 * Seconds as a short duration in the units users write (`6h`, `1h30min`, `45s`), for windows and waits in
 * messages; the result reads back through parseDuration.
 */
export function formatSeconds(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const parts: Array<[number, string]> = [
    [Math.floor(total / 3600), 'h'],
    [Math.floor((total % 3600) / 60), 'min'],
    [total % 60, 's'],
  ];
  const shown = parts.filter(([value]) => value > 0).map(([value, unit]) => `${value}${unit}`);
  return shown.length === 0 ? '0s' : shown.join('');
}
