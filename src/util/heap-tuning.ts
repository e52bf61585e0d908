import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * V8 sizes its heap for throughput, not for a CLI's footprint (issue 17, measured at 4000 tags on Node 20): the
 * young generation grows to two 16 MiB semi-spaces (32 MiB of RSS) in any run that keeps data, and after a cheap
 * major GC the old generation may grow 4× before the next one. A cold apply whose live heap is 30 MB then peaked
 * at 141 MB of heap (207 MiB RSS) with no major GC for 50 s; the no-op plan's young generation alone was a quarter
 * of its RSS. Both are V8 flags read when the heap grows, so they can be set from code (NODE_OPTIONS is the user's):
 * - the old generation grows by half its live size after a major GC (`--heap-growing-percent=50`): a major GC of
 *   a 30 MB heap takes 5–15 ms, about every 10 s of apply;
 * - the young generation stops growing at 4 MiB semi-spaces (8 MiB of RSS): its growth factor is set to 1 once it
 *   got there. Smaller (1–2 MiB) promotes more and costs more than it saves.
 * Measured at 4000 tags: peak RSS no-op plan 135 → 93 MiB, cold apply 147–207 → 121 MiB (README, Performance).
 */
const OLD_GROWING_PERCENT = 50;
const YOUNG_SEMI_SPACE_MIB = 4;
/** V8 11's own values of the two flags (`node --v8-options`). */
const V8_DEFAULT_GROWING_PERCENT = 0;
const V8_DEFAULT_SEMI_SPACE_GROWTH = 2;

/**
 * Only the V8 these flags were measured on (Node 20: V8 11): an unknown flag would print an error on stderr, and
 * another V8 may size its heap differently. Elsewhere V8 keeps its own sizing.
 */
const MEASURED_V8_MAJORS = new Set([11]);

/** Heap flags the user gave (NODE_OPTIONS or node's own arguments) win: none of ours is set then. */
function userSizesHeap(env: NodeJS.ProcessEnv, execArgv: readonly string[]): boolean {
  return [env['NODE_OPTIONS'] ?? '', ...execArgv].some((flag) => /semi[-_]space|heap[-_]growing/.test(flag));
}

/** Bounds V8's young generation and old-generation growth for this process (see above); false when left as is. */
export function tuneHeap(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  const major = Number(process.versions.v8.split('.')[0]);
  if (!MEASURED_V8_MAJORS.has(major) || userSizesHeap(env, execArgv)) return false;
  setFlagsFromString(`--heap-growing-percent=${OLD_GROWING_PERCENT}`);
  const youngAtCap = (): boolean => {
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    return young !== undefined && young.space_size >= 2 * YOUNG_SEMI_SPACE_MIB * 1024 * 1024;
  };
  // The young generation grows only at a GC: look after each one until it reached the cap, then stop its growth.
  const observer = new PerformanceObserver(() => {
    if (!youngAtCap()) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
  return true;
}

/**
 * Puts back V8's own values of the flags tuneHeap sets (those of the V8 it was measured on). V8 keys its code cache
 * to the flags: a cache written with tuned flags would not match the next start, which compiles before tuning.
 */
export function untuneHeap(): void {
  setFlagsFromString(`--heap-growing-percent=${V8_DEFAULT_GROWING_PERCENT}`);
  setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_SEMI_SPACE_GROWTH}`);
}
