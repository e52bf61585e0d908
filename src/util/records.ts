/**
 * Records keyed by names from registries (tags, repositories): a tag may be called `__proto__` or `constructor`,
 * so lookups and writes must touch own entries only.
 */

/** `record[key]` only when it is an own entry (a tag named `constructor` must not find Object's). */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * Sets `record[key]` as an own entry, even for `__proto__` (a plain assignment would replace the prototype). Only
 * `__proto__` needs defineProperty: an assignment of any other key makes or replaces an own, enumerable, writable
 * entry, at a fraction of the cost (issue 17: every tag of a plan is set here).
 */
export function setOwnEntry<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

/** A plain mapping (not null, not a list): what a YAML mapping or JSON object parses to. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
