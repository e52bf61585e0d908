import { RegsyncError } from '../util/errors.js';

/** The clock of a plan: read once when the plan starts. */
export type Clock = () => Date;

/**
 * The clock of the plan. REGSYNC_NOW (an ISO 8601 date) fixes it, so tests and reviewers get byte-identical plans
 * and age filters that do not drift; unset, it is the current time. Checked when the plan reads it (after --mirror).
 */
export function clockFromEnv(env: NodeJS.ProcessEnv): Clock {
  return () => {
    const fixed = env.REGSYNC_NOW;
    if (fixed === undefined || fixed === '') return new Date();
    const date = new Date(fixed);
    if (Number.isNaN(date.getTime())) {
      throw new RegsyncError(`REGSYNC_NOW ${JSON.stringify(fixed)} is not a date: use ISO 8601 such as 2024-07-01T00:00:00Z, or unset it`, {
        code: 'USAGE',
      });
    }
    return date;
  };
}
