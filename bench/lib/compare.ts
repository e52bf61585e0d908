/**
 * The shape every comparison bench shares: regsync and a peer run alternately on the same freshly prepared
 * registries, `runs` timed runs each (direct to the registries), then one counting run each through a
 * connection counter and request recorder per registry (outside the medians: the relays add latency).
 */
import type { CountedHost } from './counted-host.js';
import { requestBreakdown } from './counted-host.js';
import { median, seconds, speedup } from './stats.js';

/** Where one run points. `counted` holds the relays when this is the counting run (source first). */
export interface Endpoints {
  source: string;
  destination: string;
  counted: CountedHost[];
  release(): Promise<void>;
}

export interface Contender {
  name: string;
  peer: boolean;
  /** A yardstick beside regsync (the floor client): in the table, but the goal is not regsync's to meet for it. */
  yardstick?: boolean;
  /** One run; the wall time is the whole command (process start-up included). */
  run(at: Endpoints): Promise<{ wallMs: number; note?: string }>;
  /** After each run, outside the timing: what the run left behind, e.g. "100/100 tags, digests equal". */
  verify?(at: Endpoints): Promise<string>;
  /** After the counting run: extra lines from what the relays saw (uploads per blob, ...). */
  analyse?(counted: CountedHost[]): string[];
}

export interface Comparison {
  title: string;
  runs: number;
  /** Prepares the registries for one run (a fresh destination, relays in front when `counted`). */
  endpoints(counted: boolean): Promise<Endpoints>;
  contenders: Contender[];
  /** The speed-up over the peer the issue asks for. */
  goal: number;
}

export interface Row {
  name: string;
  peer: boolean;
  yardstick: boolean;
  medianMs: number;
  requests: number;
  breakdown: string;
  /** "source 8 (peak 8), destination 4 (peak 4)" */
  connections: string;
  extra: string[];
}

async function timedRuns(c: Comparison): Promise<number[][]> {
  const samples: number[][] = c.contenders.map(() => []);
  for (let run = 1; run <= c.runs; run += 1) {
    // Alternate who goes first, so neither always meets the warmer page cache.
    const order = c.contenders.map((_, i) => i);
    if (run % 2 === 0) order.reverse();
    for (const i of order) {
      const contender = c.contenders[i]!;
      const at = await c.endpoints(false);
      try {
        const { wallMs, note } = await contender.run(at);
        samples[i]!.push(wallMs);
        const check = contender.verify ? await contender.verify(at) : '';
        console.log(`run ${run} ${contender.name.padEnd(40)} ${seconds(wallMs).padStart(8)}  ${[note, check].filter(Boolean).join('; ')}`);
      } finally {
        await at.release();
      }
    }
  }
  return samples;
}

async function countingRun(contender: Contender, c: Comparison): Promise<Omit<Row, 'name' | 'peer' | 'yardstick' | 'medianMs'>> {
  const at = await c.endpoints(true);
  try {
    await contender.run(at);
    const requests = at.counted.flatMap((host) => host.requests);
    const connections = at.counted
      .map((host, i) => {
        const { opened, peak } = host.connections();
        return `${i === 0 ? 'source' : 'destination'} ${opened} (peak ${peak})`;
      })
      .join(', ');
    const extra = contender.analyse ? contender.analyse(at.counted) : [];
    return { requests: requests.length, breakdown: requestBreakdown(requests), connections, extra };
  } finally {
    await at.release();
  }
}

/** Runs the comparison and prints its table; returns the rows for callers that want more. */
export async function compare(c: Comparison): Promise<Row[]> {
  console.log(`\n== ${c.title}: ${c.runs} timed runs each, alternating, then one counting run each`);
  const samples = await timedRuns(c);
  const rows: Row[] = [];
  for (const [i, contender] of c.contenders.entries()) {
    const counts = await countingRun(contender, c);
    rows.push({
      name: contender.name,
      peer: contender.peer,
      yardstick: contender.yardstick === true,
      medianMs: median(samples[i]!),
      ...counts,
    });
  }
  printRows(c, rows);
  return rows;
}

function printRows(c: Comparison, rows: Row[]): void {
  const peer = rows.find((row) => row.peer);
  console.log('\n| command | median wall | requests | TCP connections per host | peer ÷ regsync |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) {
    const ratio = peer === undefined || row.peer ? '' : (peer.medianMs / row.medianMs).toFixed(2);
    console.log(`| ${row.name} | ${seconds(row.medianMs)} | ${row.requests} | ${row.connections} | ${ratio} |`);
  }
  console.log('\nrequests by kind (counting run):');
  for (const row of rows) {
    console.log(`  ${row.name}: ${row.breakdown}`);
    for (const line of row.extra) console.log(`    ${line}`);
  }
  if (peer !== undefined) {
    for (const row of rows.filter((r) => !r.peer && !r.yardstick))
      console.log(`\n${c.title}: ${row.name} is ${speedup(row.medianMs, peer.medianMs, c.goal)}`);
  }
}
