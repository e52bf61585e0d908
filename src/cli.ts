#!/usr/bin/env node
import { processSignals } from './commands/process-signals.js';
import { runCli } from './program.js';

// A reader that stops early (`regsync plan --help | head -2`) closes the pipe: what is left to print has nowhere to
// go, which is no error to report. Unhandled, Node throws it as an 'error' event with a stack trace. Later writes
// to the closed stream are dropped; the command ends as it would have, with its own exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

// The exit code is set, not forced: pending output on stdout/stderr still flushes before the process ends.
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  signals: processSignals(process, process.stderr),
  env: process.env,
  cwd: process.cwd(),
});
