import type { Command } from 'commander';
import { formatEndpoint } from '../config/endpoint.js';
import type { SeedOptions } from '../config/seed-flags.js';
import { addSeedOptions, examplesText, positionalsOf, resolveCommandConfig } from './shared.js';
import type { CommandContext } from './shared.js';

/** `regsync validate`: exit 0 with one line per mirror, or exit 1 with every problem on stderr. */
export function registerValidateCommand(program: Command, ctx: CommandContext): void {
  const command = program.command('validate').description('check the config file (or sync.sh-style flags) and summarise each mirror');
  command.addHelpText(
    'after',
    examplesText([
      ['regsync validate', 'check regsync.yaml in this directory'],
      ['regsync validate -c mirrors.yaml', 'check another file'],
      ["regsync validate 127.0.0.1:5000 127.0.0.1:5001 -t '^v1'", 'check sync.sh-style flags'],
    ]),
  );
  addSeedOptions(command).action(
    async (source: string | undefined, destination: string | undefined, options: SeedOptions, cmd: Command) => {
      const resolved = await resolveCommandConfig(ctx, cmd, positionalsOf(source, destination), options);
      if (ctx.globals(cmd).quiet) return;
      const { mirrors } = resolved.config;
      for (const mirror of mirrors) {
        ctx.io.stdout.write(
          `✓ ${mirror.name}: ${formatEndpoint(mirror.source)} → ${formatEndpoint(mirror.destination)} (${mirror.executor} executor)\n`,
        );
      }
      const where = resolved.origin.kind === 'file' ? `Config ${resolved.origin.displayName}` : 'The command line';
      const count = mirrors.length === 1 ? '1 mirror' : `${mirrors.length} mirrors`;
      ctx.io.stdout.write(`${where} is valid: ${count}.\n`);
    },
  );
}
