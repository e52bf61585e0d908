import type { Command } from 'commander';
import type { SeedOptions } from '../config/seed-flags.js';
import { RegsyncError } from '../util/errors.js';
import { addSeedOptions, positionalsOf, resolveCommandConfig } from './shared.js';
import type { CommandContext } from './shared.js';

/** `regsync apply`: STUB — loads and validates the config; execution is wired in by the apply issue. */
export function registerApplyCommand(program: Command, ctx: CommandContext): void {
  const command = program.command('apply').description('make the destination match the plan');
  addSeedOptions(command, { dryRun: true }).action(
    async (source: string | undefined, destination: string | undefined, options: SeedOptions, cmd: Command) => {
      await resolveCommandConfig(ctx, cmd, positionalsOf(source, destination), options);
      throw new RegsyncError('regsync apply is not implemented yet', { code: 'UNSUPPORTED' });
    },
  );
}
