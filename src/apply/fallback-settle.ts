/**
 * How long a writer of a `sha256-<hex>` fallback index waits before it reads the index back. Registries offer no
 * conditional write for manifests, so a writer that read the index before our write can still write its stale
 * merge after it: the only bound on when that happens is how long such a read-modify-write takes. Reading back
 * after longer than that sees any such write, and the merge is redone (fallback-index.ts).
 */

/** Never less: another writer may be slower than we are (another machine, a busier registry). */
export const SETTLE_FLOOR_MS = 250;
/** Never more: a registry answering in seconds still gets a read-back within a bounded apply. */
export const SETTLE_CAP_MS = 30_000;
/** The other writer's read-modify-write is taken to be at most this many times our slowest one. */
const RMW_FACTOR = 4;

/**
 * The wait before read-back round `round` (0 after the first write): FACTOR × the slowest read-modify-write we
 * measured in this apply, at least the floor, longer each round (the index is contended), with up to 50% jitter
 * so that two writers repairing the same index do not keep meeting in step.
 */
export function settleDelay(slowestRmwMs: number, round: number, random: () => number = Math.random): number {
  const base = Math.max(SETTLE_FLOOR_MS, RMW_FACTOR * Math.max(0, slowestRmwMs)) * (1 + round / 2);
  return Math.round(Math.min(SETTLE_CAP_MS, base * (1 + random() / 2)));
}
