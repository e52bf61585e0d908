#!/usr/bin/env node
import { readFileSync } from 'node:fs';

// A reader that stops early (`regsync plan --help | head -2`) closes the pipe: what is left to print has nowhere to
// go, which is no error to report. Unhandled, Node throws it as an 'error' event with a stack trace. Later writes
// to the closed stream are dropped; the command ends as it would have, with its own exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

const argv = process.argv.slice(2);

// `regsync --version` is what scripts and image health checks run most often: answered before the program (and
// its ~200 modules) loads, so it costs about what `node -e 0` does. The same text commander prints for it.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  process.stdout.write(`${version ?? '0.0.0'}\n`);
} else {
  // Stack traces are printed with --verbose only (commands/report-error.ts): then they name the TypeScript files
  // through the bundle's source maps (scripts/build.mjs). Enabled before the program's chunks load, as Node reads
  // a module's map when it loads it; not otherwise, as reading the maps adds to every start-up. `-qv` too.
  if (argv.some((arg) => arg === '--verbose' || /^-[a-zA-Z]*v[a-zA-Z]*$/.test(arg))) process.setSourceMapsEnabled(true);
  // Before the program allocates anything: a heap sized for a CLI's footprint (util/heap-tuning.ts, issue 17).
  (await import('./util/heap-tuning.js')).tuneHeap();
  const [{ processSignals }, { runCli }] = await Promise.all([import('./commands/process-signals.js'), import('./program.js')]);
  // The exit code is set, not forced: pending output on stdout/stderr still flushes before the process ends.
  process.exitCode = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    signals: processSignals(process, process.stderr),
    env: process.env,
    cwd: process.cwd(),
  });
}
