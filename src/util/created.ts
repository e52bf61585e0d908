/** RFC 3339 as image configs write it (Go's time.RFC3339Nano): a date, `T`, a time, and `Z` or an offset. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/**
 * Milliseconds of an image config's `created`, or null when it is absent or not RFC 3339. Anything looser is
 * refused on purpose: Date.parse reads "2024-03-05 12:00:00" in the machine's time zone (plans would differ
 * between machines) and accepts "March 5, 2024" and "2024-02-30", which the plan schema's date-time rejects
 * (the plan file written would not read back).
 */
export function createdMs(created: string | null | undefined): number | null {
  if (typeof created !== 'string') return null;
  const match = RFC3339.exec(created);
  if (!match) return null;
  const [, year = '', month = '', day = ''] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return null;
  const ms = Date.parse(created);
  return Number.isNaN(ms) ? null : ms;
}
