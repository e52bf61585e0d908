import { Cron } from 'croner';
import { parseDuration } from '../util/duration.js';
import { RegsyncError } from '../util/errors.js';

/** When cycles are due: after `due` (epoch ms), the next start. */
export interface Schedule {
  /** What the log says: `every 15m` or `cron "0 *\/6 * * *"`. */
  readonly description: string;
  next(due: number): number;
}

/** --interval or --cron, exactly one: the schedule, or a usage error that says what to give. */
export function parseSchedule(interval: string | undefined, cron: string | undefined): Schedule {
  if ((interval === undefined) === (cron === undefined)) {
    throw new RegsyncError(
      'regsync serve needs exactly one of --interval DURATION (e.g. 15m) or --cron "EXPRESSION" (e.g. "0 */6 * * *")',
      {
        code: 'USAGE',
      },
    );
  }
  if (interval !== undefined) {
    // A schedule is minutes and hours, never months: `--interval 15m` is 15 minutes, as users of cron-like tools write
    // it (in image ages, sync.sh's lower-case m stays months; `mo` still says months here).
    const asMinutes = interval.replace(/(\d)m(?![io])/g, '$1min');
    const ms = parseDuration(asMinutes);
    if (ms === null || ms < 1000) {
      throw new RegsyncError(`--interval ${JSON.stringify(interval)} is not a duration of at least 1s: try 30s, 15min or 6h`, {
        code: 'USAGE',
      });
    }
    return { description: `every ${interval}`, next: (due) => due + ms };
  }
  const expression = cron ?? '';
  let job: Cron;
  try {
    // Paused and without a callback: croner only computes dates here, the scheduler decides when to run.
    job = new Cron(expression, { paused: true });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new RegsyncError(`--cron ${JSON.stringify(expression)} is not a cron expression (${why}): try "0 */6 * * *"`, { code: 'USAGE' });
  }
  return {
    description: `cron ${JSON.stringify(expression)}`,
    next: (due) => {
      const next = job.nextRun(new Date(due));
      if (next === null) throw new RegsyncError(`--cron ${JSON.stringify(expression)} has no further run`, { code: 'USAGE' });
      return next.getTime();
    },
  };
}
