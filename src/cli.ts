#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CachedBundle, Program } from './cached-bundle.js';

// A reader that stops early (`regsync plan --help | head -2`) closes the pipe: what is left to print has nowhere to
// go, which is no error to report. Unhandled, Node throws it as an 'error' event with a stack trace. Later writes
// to the closed stream are dropped; the command ends as it would have, with its own exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

const argv = process.argv.slice(2);

/** The commands that read a config: what they load next is known before the program parses its arguments. */
const COMMANDS_WITH_CONFIG = new Set(['plan', 'apply', 'validate', 'config']);
/** What makes commander answer without running a command. */
const NO_RUN = new Set(['--help', '-h', '--version', '-V']);

/** The command word: the first argument that is neither a global option nor -c's value. */
function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '-c' || arg === '--config') i += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/**
 * Starts loading what the command will need once the program has parsed its arguments: the config pipeline and,
 * for plan and apply, the planner and registry client. Node reads these files while it compiles the program, so a
 * no-op `regsync plan` sends its first request ~7 ms sooner (issue 17). Nothing for --help or --version, which run
 * no command; a wrong guess only loads modules early (the command's own imports get them from Node's cache), and
 * a failure to load is reported by that later import, not here.
 */
function preloadCommand(args: readonly string[]): void {
  if (args.some((arg) => NO_RUN.has(arg))) return;
  const command = commandWord(args);
  if (command === undefined || !COMMANDS_WITH_CONFIG.has(command)) return;
  const ignore = (): undefined => undefined;
  import('./config/resolve.js').catch(ignore);
  if (command === 'plan' || command === 'apply') import('./commands/plan-run.js').catch(ignore);
}

/**
 * The program from the build's one CommonJS bundle through V8's code cache (src/cached-bundle.ts): what a start
 * compiles is read back instead. Null where there is no bundle (run from src/), so the chunks below load instead.
 */
async function programFromCache(): Promise<Pick<Program, 'processSignals' | 'runCli'> | null> {
  const { loadCachedBundle } = await import('./cached-bundle.js');
  let tuned = false;
  let bundle: CachedBundle | null;
  try {
    bundle = loadCachedBundle(fileURLToPath(new URL('.', import.meta.url)), process.env, () => {
      if (tuned) bundle?.program.untuneHeap();
    });
  } catch {
    // A bundle that cannot be read or run (a build writing it at this moment): the chunks hold the same program.
    return null;
  }
  if (bundle === null) return null;
  // A heap sized for a CLI's footprint (util/heap-tuning.ts, issue 17).
  tuned = bundle.program.tuneHeap();
  return bundle.program;
}

/**
 * The program from the ES module chunks (with --verbose: their source maps name the TypeScript files in stack
 * traces). The command's own modules load while the program compiles (preloadCommand).
 */
async function programFromChunks(): Promise<Pick<Program, 'processSignals' | 'runCli'>> {
  // Tuned as soon as its module is there: the flags act when the heap grows, which loading hardly makes it do.
  const heapTuned = import('./util/heap-tuning.js').then(({ tuneHeap }) => tuneHeap());
  preloadCommand(argv);
  const [{ processSignals }, { runCli }] = await Promise.all([import('./commands/process-signals.js'), import('./program.js'), heapTuned]);
  return { processSignals, runCli };
}

// `regsync --version` is what scripts and image health checks run most often: answered before the program (and
// its ~200 modules) loads, so it costs about what `node -e 0` does. The same text commander prints for it.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  process.stdout.write(`${version ?? '0.0.0'}\n`);
} else {
  // Stack traces are printed with --verbose only (commands/report-error.ts): then they name the TypeScript files
  // through the bundle's source maps (scripts/build.mjs). Enabled before the program's chunks load, as Node reads
  // a module's map when it loads it; not otherwise, as reading the maps adds to every start-up. `-qv` too.
  const verbose = argv.some((arg) => arg === '--verbose' || /^-[a-zA-Z]*v[a-zA-Z]*$/.test(arg));
  if (verbose) process.setSourceMapsEnabled(true);
  // REGSYNC_CODE_CACHE=0: the ES module chunks, as with --verbose (to rule the bundle out when something looks wrong).
  const chunksOnly = verbose || process.env.REGSYNC_CODE_CACHE === '0';
  const { processSignals, runCli } = (chunksOnly ? null : await programFromCache()) ?? (await programFromChunks());
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
