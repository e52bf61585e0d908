import { Option } from 'commander';
import type { Command } from 'commander';
import type { SeedOptions } from '../config/seed-flags.js';
import { shardOption } from './shard-option.js';
import type { Shard } from '../plan/shard.js';
import { addSeedOptions, examplesText, positionalsOf, resolveCommandConfig } from './shared.js';
import type { CommandContext } from './shared.js';

/** Options of `regsync plan` besides the sync.sh flags. */
export interface PlanCommandOptions extends SeedOptions {
  mirror: string[];
  json?: boolean;
  out?: string;
  format: 'human' | 'markdown';
  detailedExitcode?: boolean;
  showUnchanged?: boolean;
  showSkipped?: boolean;
  shard?: Shard;
}

/** `regsync plan`: reads both sides of every mirror, prints what apply would change; exit 2 with --detailed-exitcode when anything would. */
export function registerPlanCommand(program: Command, ctx: CommandContext): void {
  const command = program.command('plan').description('show what apply would create, update or delete');
  command.addHelpText(
    'after',
    examplesText([
      ['regsync plan', 'what apply would change for regsync.yaml in this directory'],
      ['regsync plan -c mirrors.yaml --mirror apps -o plan.json', 'one mirror, also saved for apply'],
      ['regsync plan -q --detailed-exitcode', 'in CI: only the Plan: line; exit 2 when anything would change'],
    ]),
  );
  addSeedOptions(command)
    .option(
      '--mirror <name>',
      'plan only this mirror (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--json', 'print the plan JSON on stdout and nothing else')
    .option('-o, --out <file>', 'also write the plan JSON to FILE')
    .addOption(new Option('--format <format>', 'human output format').choices(['human', 'markdown']).default('human'))
    .option('--detailed-exitcode', 'exit 2 when the plan has changes')
    .option('--show-unchanged', 'list unchanged tags')
    .option('--show-skipped', 'list each skipped tag with its reason')
    .option('--shard <I/N>', 'plan only shard I of N (0 <= I < N), split by a stable hash of the destination repository', shardOption)
    .action(async (source: string | undefined, destination: string | undefined, options: PlanCommandOptions, cmd: Command) => {
      const { config } = await resolveCommandConfig(ctx, cmd, positionalsOf(source, destination), options);
      const globals = ctx.globals(cmd);
      // The registry client, inventory and renderers load only when a plan runs (not for --help or --version).
      const { runPlan } = await import('./plan-run.js');
      const code = await runPlan(
        config,
        {
          version: ctx.version,
          mirrors: options.mirror,
          json: options.json === true,
          out: options.out ?? null,
          format: options.format,
          detailedExitcode: options.detailedExitcode === true,
          showUnchanged: options.showUnchanged === true,
          showSkipped: options.showSkipped === true,
          verbose: globals.verbose,
          quiet: globals.quiet,
          color: globals.color,
          shard: options.shard ?? null,
        },
        ctx.io,
      );
      ctx.setExitCode(code);
    });
}
