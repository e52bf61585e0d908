import type { Command } from 'commander';
import type { SeedOptions } from '../config/seed-flags.js';
import { RegsyncError } from '../util/errors.js';
import { addSeedOptions, examplesText, positionalsOf, resolveCommandConfig } from './shared.js';
import type { CommandContext } from './shared.js';

/** `regsync apply`: STUB — loads and validates the config; execution is wired in by the apply issue. */
export function registerApplyCommand(program: Command, ctx: CommandContext): void {
  const command = program.command('apply').description('make the destination match the plan');
  command.addHelpText(
    'after',
    examplesText([
      ['regsync apply', 'make the destinations of regsync.yaml match'],
      ['regsync apply -c mirrors.yaml', 'the same for another file'],
      ['regsync apply 127.0.0.1:5000 127.0.0.1:5001 -n', 'sync.sh style, dry run'],
    ]),
  );
  addSeedOptions(command, { dryRun: true }).action(
    async (source: string | undefined, destination: string | undefined, options: SeedOptions, cmd: Command) => {
      await resolveCommandConfig(ctx, cmd, positionalsOf(source, destination), options);
      throw new RegsyncError('regsync apply is not implemented yet', { code: 'UNSUPPORTED' });
    },
  );
}
