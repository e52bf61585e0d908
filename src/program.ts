import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help } from 'commander';
import type { Config } from './config/types.js';
import { registerApplyCommand } from './commands/apply.js';
import { registerConfigCommand } from './commands/config.js';
import { registerPlanCommand } from './commands/plan.js';
import { reportError } from './commands/report-error.js';
import { registerSchemaCommand } from './commands/schema.js';
import { registerServeCommand } from './commands/serve.js';
import { examplesText, readGlobals, redactingStream, withoutSyncShOptions } from './commands/shared.js';
import type { CliIo, CommandContext } from './commands/shared.js';
import { registerValidateCommand } from './commands/validate.js';

export type { CliIo, OutStream } from './commands/shared.js';

/** Exit codes: 0 success, 1 error (2, "plan has changes", is set by plan with --detailed-exitcode). */
const EXIT_OK = 0;
const EXIT_ERROR = 1;

const PACKAGE_JSON = new URL('../package.json', import.meta.url);

/** regsync's version from package.json (src/ and dist/ both sit one level below it). */
export function regsyncVersion(): string {
  const parsed = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: string };
  return parsed.version ?? '0.0.0';
}

const PROGRAM_EXAMPLES = [
  ['regsync validate', 'check regsync.yaml in this directory'],
  ['regsync plan -c mirrors.yaml', 'show what apply would change'],
  ['regsync plan SOURCE DESTINATION -t "^v1"', 'sync.sh style, without a config file'],
] as const;

const defaultHelp = new Help();

/** How every command's --help is laid out. */
const HELP: Partial<Help> = {
  // Every subcommand's --help lists these too: -c and -q are typed after the subcommand as often as before it.
  showGlobalOptions: true,
  // A command's own options first; the sync.sh flags follow in their own section after the examples (shared.ts).
  visibleOptions: (command) => withoutSyncShOptions(defaultHelp.visibleOptions(command)),
  // Only arguments with a description are listed: apply's PLAN.json is; sync.sh's SOURCE DESTINATION are described
  // in the sync.sh section instead.
  visibleArguments: (command) => command.registeredArguments.filter((argument) => argument.description !== ''),
  // The command list shows each command as its own usage line does (`plan [options]`, `apply [options] [PLAN.json]`).
  subcommandTerm: (command) =>
    command.registeredArguments.some((argument) => argument.description === '')
      ? `${command.name()} ${command.usage()}`
      : defaultHelp.subcommandTerm(command),
};

/** Builds a fresh program (commander keeps parse state, so one per run). */
export function buildProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const program = new Command('regsync')
    .description('Mirror container images between registries from a config file you review like code: plan, then apply.')
    // -c first: it is the option every command starts from.
    .option('-c, --config <file>', 'config file (default: regsync.yaml in the current directory; env REGSYNC_CONFIG)')
    .option('-v, --verbose', 'more detail, and error details/stacks')
    .option('-q, --quiet', 'print only errors, warnings and requested output (plan: only its final Plan: line)')
    .option('--no-color', 'no colours (also when NO_COLOR is set)')
    .version(ctx.version, '-V, --version', 'print the version')
    .configureHelp(HELP)
    .addHelpText('after', examplesText(PROGRAM_EXAMPLES))
    .showHelpAfterError('(run regsync --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      // Commander says "error: ..."; every regsync error line starts with "regsync: ".
      outputError: (text, write) => write(`regsync: ${text.replace(/^error: /, '')}`),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });
  registerValidateCommand(program, ctx);
  registerPlanCommand(program, ctx);
  registerApplyCommand(program, ctx);
  registerConfigCommand(program, ctx);
  registerSchemaCommand(program, ctx);
  registerServeCommand(program, ctx);
  // Subcommands inherit exitOverride/output settings only when added after those are set; make sure.
  for (const command of program.commands) {
    command.exitOverride().configureOutput(program.configureOutput()).configureHelp(program.configureHelp());
  }
  return program;
}

/** Runs regsync with `argv` (the arguments after the program name) and returns the exit code; never exits. */
export async function runCli(argv: string[], rawIo: CliIo): Promise<number> {
  let exitCode = EXIT_OK;
  let config: Config | null = null;
  const secrets = new Set<string>();
  // stdout carries requested output (`regsync config` redacts its own); stderr is every error and log line.
  const io: CliIo = { ...rawIo, stderr: redactingStream(rawIo.stderr, secrets) };
  const ctx: CommandContext = {
    io,
    version: regsyncVersion(),
    setExitCode: (code) => {
      exitCode = code;
    },
    globals: (command) => readGlobals(command, io),
    configured: (resolved) => {
      config = resolved;
    },
    addSecrets: (values) => values.forEach((value) => secrets.add(value)),
  };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are successful exits; usage errors were already printed by outputError.
      return error.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    }
    // Options are parsed before any action runs, so the program's -v/--verbose (also -qv) is known here.
    const verbose = program.opts<{ verbose?: boolean }>().verbose === true;
    reportError(error, io.stderr, verbose, config);
    return EXIT_ERROR;
  }
}
