// How the pure planner scales with the number of tags in one repository (all at the destination, prune on).
// Run: node --import tsx bench/plan-scale.ts. Prints the median of 5 runs per size and the time per tag, which
// stays flat when planning is linear (a quadratic planner took 82 s for 60 000 tags).
import { nightlyRepository, planOf } from '../test/helpers/inventory-builder.js';

const sizes = [15_000, 30_000, 60_000];
const runs = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

console.log('tags     median ms   µs per tag');
for (const count of sizes) {
  const { mirror, inventory } = nightlyRepository(count);
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    planOf([mirror], [inventory]);
    times.push(performance.now() - started);
  }
  const ms = median(times);
  console.log(`${String(count).padEnd(8)} ${ms.toFixed(0).padStart(9)}   ${((ms * 1000) / count).toFixed(1).padStart(10)}`);
}
