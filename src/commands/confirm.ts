import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { RegsyncError } from '../util/errors.js';
import type { CliIo, OutStream } from './shared.js';

const CONFIRM_QUESTION = 'Apply these changes? (yes/no) ';

/**
 * readline draws the prompt and echoes what is typed on a real stream (it listens for `resize` and reads
 * `columns`), while the CLI's stderr is a plain writer (redacting, or a test's collector): this adapter gives
 * readline a stream whose every write still goes through that writer.
 */
function promptOutput(stderr: OutStream): Writable & { columns?: number; isTTY?: boolean } {
  const output = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      stderr.write(chunk.toString());
      callback();
    },
  });
  return Object.defineProperties(output, {
    isTTY: { get: () => stderr.isTTY },
    // A terminal that reports 0 columns would make readline wrap after every character.
    columns: { get: () => (stderr.columns !== undefined && stderr.columns > 0 ? stderr.columns : 80) },
  });
}

/**
 * Asks once. Only the answer `yes` goes ahead; any other answer, end of input (Ctrl-D) and Ctrl-C (which readline
 * reads as a key on a terminal, or a SIGINT sent to the process) are a no.
 */
function ask(io: CliIo, stdin: NodeJS.ReadableStream): Promise<boolean> {
  const prompt = createInterface({ input: stdin, output: promptOutput(io.stderr), terminal: true });
  const signals = io.signals ?? process;
  return new Promise<boolean>((resolve) => {
    let done = false;
    const finish = (yes: boolean, lineEnded: boolean): void => {
      if (done) return;
      done = true;
      signals.off('SIGINT', interrupted);
      signals.off('SIGTERM', interrupted);
      prompt.close();
      // Ctrl-C and Ctrl-D leave the cursor after the question: end its line before anything else is printed.
      if (!lineEnded) io.stderr.write('\n');
      resolve(yes);
    };
    const interrupted = (): void => finish(false, false);
    signals.on('SIGINT', interrupted);
    signals.on('SIGTERM', interrupted);
    prompt.on('SIGINT', interrupted);
    prompt.on('close', interrupted);
    prompt.question(CONFIRM_QUESTION, (answer) => finish(answer.trim() === 'yes', true));
  });
}

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
  return ask(io, stdin);
}
