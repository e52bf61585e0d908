/**
 * Code-unit order: locale-independent, so plans, plan files, digests and summaries are byte-identical on every
 * machine. Not `localeCompare`: its order depends on the ICU data and its first call loads collation tables
 * (~30 ms in a plan profile).
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
