import { createInterface } from 'node:readline/promises';
import { RegsyncError } from '../util/errors.js';
import type { CliIo } from './shared.js';

const CONFIRM_QUESTION = 'Apply these changes? (yes/no) ';

/**
 * The confirmation before a computed plan runs: --yes skips it; a terminal is asked and only `yes` goes ahead;
 * without a terminal (CI, pipes) nothing could answer, so apply refuses rather than guess.
 */
export async function confirmApply(io: CliIo, autoApprove: boolean): Promise<boolean> {
  if (autoApprove) return true;
  const stdin = io.stdin;
  if (stdin === undefined || stdin.isTTY !== true) {
    throw new RegsyncError(
      'refusing to apply without confirmation: stdin is not a terminal; pass --yes (or --auto-approve) to apply this plan, or save it with regsync plan --out FILE and run regsync apply FILE',
      { code: 'USAGE' },
    );
  }
  const prompt = createInterface({ input: stdin, output: io.stderr as NodeJS.WritableStream, terminal: true });
  try {
    const answer = await prompt.question(CONFIRM_QUESTION);
    return answer.trim() === 'yes';
  } finally {
    prompt.close();
  }
}
