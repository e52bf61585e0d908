/** Small helpers every comparison bench shares: options, medians, ratios. */

/** `--name N` from argv, a positive integer, or `fallback`. */
export function intOption(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** "3.41× faster (goal ≥ 3×: met)" for peer ÷ regsync. */
export function speedup(regsyncMs: number, peerMs: number, goal: number): string {
  const ratio = peerMs / regsyncMs;
  return `${ratio.toFixed(2)}× faster (goal ≥ ${goal}×: ${ratio >= goal ? 'met' : 'NOT met'})`;
}
