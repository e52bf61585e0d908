import { Option } from 'commander';
import type { Command } from 'commander';
import type { ResolvedConfig } from '../config/resolve.js';
import type { SeedOptions } from '../config/seed-flags.js';
import type { Config } from '../config/types.js';
import { redact } from '../util/redact.js';
import type { SignalSource } from '../apply/interrupts.js';

/** A stream the CLI writes to: process.stdout/stderr in production, a string collector in tests. */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Everything the CLI touches outside itself, so tests run it in-process. */
export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** For apply's confirmation; absent or not a TTY: nothing can answer. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Interrupts for apply; default: the process. */
  signals?: SignalSource;
}

/** Options every command sees (declared on the program). */
export interface GlobalOptions {
  verbose: boolean;
  quiet: boolean;
  /** false with --no-color or NO_COLOR, or when stdout is not a terminal. */
  color: boolean;
  config: string | undefined;
}

/** What a `register<Name>Command(program, ctx)` function receives. */
export interface CommandContext {
  io: CliIo;
  /** regsync's version, from package.json. */
  version: string;
  /** The process exit code for this run (0 unless set; errors thrown from an action give 1). */
  setExitCode(code: number): void;
  /** The global options as seen from `command` (pass the action's command argument). */
  globals(command: Command): GlobalOptions;
  /** Told the config once it is resolved, so errors give advice for the way the run was configured. */
  configured?(config: Config): void;
  /** Values every later line on stderr must hide (the config's passwords), as `regsync config` hides them. */
  addSecrets(secrets: readonly string[]): void;
}

/**
 * `stream` with every write passed through the redaction `regsync config` uses: errors, warnings and --verbose
 * lines from any layer then cannot show a secret the config holds, whoever wrote them.
 */
export function redactingStream(stream: OutStream, secrets: Iterable<string>): OutStream {
  return {
    write: (chunk: string) => stream.write(redact(chunk, secrets)),
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
  };
}

/** Reads the global options off any command: commander keeps them on the program. */
export function readGlobals(command: Command, io: CliIo): GlobalOptions {
  const all = command.optsWithGlobals<{ verbose?: boolean; quiet?: boolean; color?: boolean; config?: string }>();
  const noColorEnv = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  return {
    verbose: all.verbose === true,
    quiet: all.quiet === true,
    color: all.color !== false && !noColorEnv && io.stdout.isTTY === true,
    config: all.config,
  };
}

/** The heading the sync.sh flags are listed under, after a command's own options and examples. */
export const SYNC_SH_HEADING = 'sync.sh-compatible options:';

/** What `regsync <command> SOURCE DESTINATION` means: the two positionals of the sync.sh section of the help. */
const SYNC_SH_POSITIONALS = [
  ['SOURCE', 'source registry host[:port][/prefix] (the command line then replaces the config file)'],
  ['DESTINATION', 'destination registry host[:port][/prefix]'],
] as const;

/**
 * The original sync.sh flags and positionals, for commands that also accept `SOURCE DESTINATION`. Aliases are hidden options that resolveConfig folds together (commander allows one long
 * name per option). In --help they come last, under their own heading: the command's own options come first.
 */
export function addSeedOptions(command: Command): Command {
  const seed = [
    new Option('-i, --images <regex>', 'repositories to mirror (regex; env SYNC_IMAGES)'),
    new Option('-t, --tags <regex>', 'tags to mirror (regex; env SYNC_TAGS)'),
    new Option('-x, --exclude <regex>', 'tags to drop (regex; env SYNC_EXCLUDE)'),
    new Option('-a, --age <duration>', 'only images younger than this, e.g. 3d (env SYNC_AGE)'),
    new Option('-m, --max <n>', 'keep only the N most recent tags (env SYNC_MAX)'),
    new Option('--maximum <n>').hideHelp(),
    new Option('-r, --rename <template>', 'destination path template using \\1..\\5 (env SYNC_RENAME)'),
    new Option('--queue <n>', 'docker executor removal queue size (env SYNC_QUEUE)'),
    new Option('--src-auth <user:password>', 'source credentials (env SYNC_SRC_AUTH)'),
    new Option('--source-auth <user:password>').hideHelp(),
    new Option('--dst-auth <user:password>', 'destination credentials (env SYNC_DST_AUTH)'),
    new Option('--dest-auth <user:password>').hideHelp(),
    new Option('--destination-auth <user:password>').hideHelp(),
    new Option('--executor <name>', 'how images are copied (default docker, as sync.sh; registry for ocidir://)').choices([
      'docker',
      'registry',
    ]),
  ];
  // sync.sh's SOURCE DESTINATION, unless the command declared its own first positional (apply's PLAN.json). No
  // description: commander leaves them out of its usage and Arguments; the sync.sh section describes them.
  if (command.registeredArguments.length === 0) command.argument('[source]').argument('[destination]').usage('[options]');
  for (const option of seed) command.addOption(option.helpGroup(SYNC_SH_HEADING));
  command.addHelpText('after', (context) => syncShHelp(context.command));
  return command;
}

/** The options commander lists in its own sections: not the sync.sh ones, which get their section at the end. */
export function withoutSyncShOptions(options: readonly Option[]): Option[] {
  return options.filter((option) => option.helpGroupHeading !== SYNC_SH_HEADING);
}

/** The sync.sh section of a command's --help: how the positionals read, then its flags, aligned as commander aligns. */
function syncShHelp(command: Command): string {
  const helper = command.createHelp();
  const columns = command.configureOutput().getOutHelpWidth?.() ?? 0;
  const width = columns > 0 ? columns : 80;
  helper.prepareContext({ helpWidth: width });
  const options = command.options.filter((option) => option.helpGroupHeading === SYNC_SH_HEADING && !option.hidden);
  const items: (readonly [string, string])[] = [
    ...SYNC_SH_POSITIONALS,
    ...options.map((option): [string, string] => [helper.optionTerm(option), helper.optionDescription(option)]),
  ];
  const termWidth = Math.max(...items.map(([term]) => term.length));
  return [
    '',
    SYNC_SH_HEADING,
    ...helper
      .boxWrap(
        `regsync ${command.name()} [options] SOURCE DESTINATION: no config file, as sync.sh did (see docs/migrating-from-sync-sh.md)`,
        width - 2,
      )
      .split('\n')
      .map((line) => `  ${line}`),
    ...items.map(([term, description]) => helper.formatItem(term, termWidth, description, helper)),
  ].join('\n');
}

/** The `Examples:` block of a command's --help: each command line with what it does. */
export function examplesText(examples: readonly (readonly [command: string, what: string])[]): string {
  const width = Math.max(...examples.map(([command]) => command.length));
  return ['', 'Examples:', ...examples.map(([command, what]) => `  $ ${command.padEnd(width)}  # ${what}`)].join('\n');
}

/** Positionals as commander hands them to an action (undefined when absent). */
export function positionalsOf(source: string | undefined, destination: string | undefined): string[] {
  return [source, destination].filter((value): value is string => value !== undefined);
}

/**
 * Resolves the config for a command (file or sync.sh flags) and prints its warnings on stderr, also with --quiet.
 * `options` are the command's own options (commander's `opts()`).
 */
export async function resolveCommandConfig(
  ctx: CommandContext,
  command: Command,
  positionals: string[],
  options: SeedOptions,
): Promise<ResolvedConfig> {
  const globals = ctx.globals(command);
  // Loaded here, not at start-up: the config stack (cosmiconfig, yaml, ajv) is most of regsync's load time.
  const { resolveConfig } = await import('../config/resolve.js');
  const resolved = await resolveConfig({
    positionals,
    options: { ...options, config: globals.config },
    env: ctx.io.env,
    cwd: ctx.io.cwd,
  });
  ctx.configured?.(resolved.config);
  ctx.addSecrets(resolved.secrets);
  // -q leaves out requested output, never a warning: an ignored variable or an unused config file must be seen.
  for (const warning of resolved.warnings) ctx.io.stderr.write(`regsync: warning: ${warning}\n`);
  return resolved;
}
