import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import type { SeedOptions } from '../config/seed-flags.js';
import { SEED_SETTING_KEYS } from '../config/seed-rows.js';
import { splitPlanFile } from './plan-file-arg.js';
import { shardOption } from './shard-option.js';
import type { Shard } from '../plan/shard.js';
import { addSeedOptions, examplesText, positionalsOf, resolveCommandConfig } from './shared.js';
import type { CommandContext } from './shared.js';

/** Options of `regsync apply` besides the sync.sh flags. */
interface ApplyFlags extends SeedOptions {
  mirror: string[];
  out?: string;
  showUnchanged?: boolean;
  showSkipped?: boolean;
  yes?: boolean;
  autoApprove?: boolean;
  json?: boolean;
  concurrency: number;
  failFast?: boolean;
  docker?: string;
  shard?: Shard;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

/** `regsync apply [PLAN.json]`: carries out a saved plan, or computes one, shows it and asks before carrying it out. */
export function registerApplyCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('apply')
    .description('make the destinations match the plan (a saved PLAN.json, or one computed from the config)')
    .usage('[options] [PLAN.json]')
    .argument(
      '[PLAN.json]',
      'a plan saved with regsync plan --out: carried out as reviewed, without asking; without it, apply computes the plan from the config, shows it and asks',
    )
    // sync.sh's DESTINATION (its SOURCE takes PLAN.json's place): described with the sync.sh flags at the end of --help.
    .argument('[destination]');
  command.addHelpText(
    'after',
    examplesText([
      ['regsync apply', 'show the plan for regsync.yaml, ask, then make the destinations match'],
      ['regsync apply plan.json', 'carry out a plan saved with regsync plan --out plan.json, without asking'],
      ['regsync apply --yes --json', 'in CI: no question, the apply result as JSON on stdout'],
    ]),
  );
  addSeedOptions(command)
    .option('-n, --dry-run', 'print the plan and the exact operations apply would perform; change nothing (env SYNC_DRYRUN=1)')
    .addOption(new Option('--dryrun').hideHelp())
    .option(
      '--mirror <name>',
      'apply only this mirror (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('-o, --out <file>', 'also write the computed plan JSON to FILE')
    .option('--show-unchanged', 'list unchanged tags in the plan')
    .option('--show-skipped', 'list each skipped tag with its reason')
    .option('-y, --yes', 'apply without asking (needed without a terminal)')
    .addOption(new Option('--auto-approve', 'same as --yes'))
    .option('--json', 'print the apply result JSON on stdout')
    .option('--concurrency <n>', 'changes in flight at once', positiveInteger, 4)
    .option('--fail-fast', 'start no new change after the first failure')
    .option('--docker <path>', 'docker CLI for the docker executor (env DOCKER)')
    .option('--shard <I/N>', 'apply only shard I of N (0 <= I < N), split by a stable hash of the destination repository', shardOption)
    .action(async (source: string | undefined, destination: string | undefined, options: ApplyFlags, cmd: Command) => {
      const [planFile, positionals] = splitPlanFile(positionalsOf(source, destination), ctx.io.cwd, {
        env: ctx.io.env,
        seedFlags: SEED_SETTING_KEYS.some((key) => options[key] !== undefined),
      });
      const resolved = await resolveCommandConfig(ctx, cmd, positionals, options);
      const globals = ctx.globals(cmd);
      // The registry client, inventory, planner and listr2 load only when apply runs (not for --help or --version).
      const { runApplyCommand } = await import('./apply-run.js');
      const { resolveDockerBinary } = await import('../apply/executors/docker-cli.js');
      const code = await runApplyCommand(
        resolved.config,
        {
          version: ctx.version,
          planFile,
          mirrors: options.mirror,
          out: options.out ?? null,
          showUnchanged: options.showUnchanged === true,
          showSkipped: options.showSkipped === true,
          verbose: globals.verbose,
          quiet: globals.quiet,
          color: globals.color,
          json: options.json === true,
          yes: options.yes === true || options.autoApprove === true,
          dryRun: resolved.dryRun,
          concurrency: options.concurrency,
          failFast: options.failFast === true,
          dockerBinary: resolveDockerBinary(options.docker, ctx.io.env),
          secrets: resolved.secrets,
          shard: options.shard ?? null,
        },
        ctx.io,
      );
      ctx.setExitCode(code);
    });
}
