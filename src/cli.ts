#!/usr/bin/env node
import { runCli } from './program.js';

// The exit code is set, not forced: pending output on stdout/stderr still flushes before the process ends.
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  signals: process,
  env: process.env,
  cwd: process.cwd(),
});
