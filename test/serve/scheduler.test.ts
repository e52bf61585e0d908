/**
 * The serve scheduler on plain data: a fake clock that only moves when a cycle "takes time" or a sleep ends, so
 * start times are exact numbers, not timings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSchedule } from '../../src/serve/schedule.js';
import { Scheduler } from '../../src/serve/scheduler.js';

const MINUTE = 60_000;

/** Runs the scheduler until `cycles` cycles have started; each cycle takes durations[i] ms of fake time. */
async function simulate(options: { interval: string; durations: number[]; hupDuringCycle?: number }) {
  let clock = 0;
  let running = 0;
  let maxRunning = 0;
  const starts: number[] = [];
  const logs: string[] = [];
  const scheduler: Scheduler = new Scheduler({
    schedule: parseSchedule(options.interval, undefined),
    now: () => clock,
    sleep: async (ms, wake) => {
      if (!wake.aborted) clock += ms;
      await Promise.resolve();
    },
    runCycle: async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      starts.push(clock);
      const index = starts.length - 1;
      if (index === options.hupDuringCycle) scheduler.runNow();
      await Promise.resolve();
      clock += options.durations[index] ?? 0;
      running -= 1;
      if (starts.length === options.durations.length) void scheduler.stop();
    },
    log: (line) => void logs.push(`${clock}: ${line}`),
  });
  await scheduler.start();
  return { starts, logs, maxRunning };
}

describe('serve scheduler', () => {
  it('runs a cycle at start, then on the interval counted from when each was due', async () => {
    const { starts, logs, maxRunning } = await simulate({ interval: '15min', durations: [MINUTE, 2 * MINUTE, 0, 0] });
    assert.deepEqual(starts, [0, 15 * MINUTE, 30 * MINUTE, 45 * MINUTE]);
    assert.deepEqual(logs, []);
    assert.equal(maxRunning, 1);
  });

  it('a cycle that runs past the next start delays it (never overlaps, never skips silently) and says so', async () => {
    const { starts, logs, maxRunning } = await simulate({ interval: '15min', durations: [20 * MINUTE, MINUTE, 0] });
    assert.deepEqual(starts, [0, 20 * MINUTE, 35 * MINUTE]);
    assert.equal(maxRunning, 1);
    assert.deepEqual(logs, [
      `${20 * MINUTE}: cycle ran past the next start by 300 s: the next cycle starts now, 300 s late (cycles never overlap)`,
    ]);
  });

  it('SIGHUP during a cycle starts the next one right after it, not alongside', async () => {
    const { starts, maxRunning } = await simulate({ interval: '15min', durations: [MINUTE, MINUTE, 0], hupDuringCycle: 0 });
    assert.deepEqual(starts, [0, MINUTE, 16 * MINUTE]);
    assert.equal(maxRunning, 1);
  });
});

describe('serve schedule', () => {
  it('needs exactly one of --interval and --cron', () => {
    assert.throws(() => parseSchedule(undefined, undefined), /needs exactly one of --interval DURATION \(e\.g\. 15m\) or --cron/);
    assert.throws(() => parseSchedule('15min', '0 * * * *'), /needs exactly one of/);
    // A schedule's m is minutes (the issue's --interval 15m): 15 minutes after the start, not 15 months.
    assert.equal(parseSchedule('15m', undefined).next(0), 15 * MINUTE);
    assert.equal(parseSchedule('1h30m', undefined).next(0), 90 * MINUTE);
    assert.throws(() => parseSchedule('soon', undefined), /--interval "soon" is not a duration of at least 1s/);
    assert.throws(() => parseSchedule(undefined, 'every day'), /--cron "every day" is not a cron expression/);
  });

  it('a cron schedule gives the next matching minute after the one that was due', () => {
    const schedule = parseSchedule(undefined, '0 */6 * * *');
    const due = Date.parse('2026-01-01T05:59:00');
    assert.equal(new Date(schedule.next(due)).getHours(), 6);
    assert.equal(schedule.next(schedule.next(due)) - schedule.next(due), 6 * 60 * MINUTE);
  });
});
