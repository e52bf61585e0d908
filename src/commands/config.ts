import type { Command } from 'commander';
import type { ResolvedConfig } from '../config/resolve.js';
import type { SeedOptions } from '../config/seed-flags.js';
import { redact } from '../util/redact.js';
import { addSeedOptions, examplesText, positionalsOf, resolveCommandConfig } from './shared.js';
import type { CommandContext } from './shared.js';

/**
 * `regsync config`: the effective config as YAML in the file's own shape, secrets masked. From sync.sh flags it
 * prints the equivalent regsync.yaml: the username as given, the password as a ${SYNC_SRC_PASSWORD}-style
 * placeholder so the file works as soon as that variable is set, and the secret itself never printed.
 */
export function registerConfigCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('config')
    .description(
      'print the effective config (defaults merged, secrets hidden); with SOURCE DESTINATION and sync.sh flags, the equivalent regsync.yaml',
    );
  command.addHelpText(
    'after',
    examplesText([
      ['regsync config', 'the effective config of regsync.yaml, defaults merged'],
      ["regsync config 127.0.0.1:5000 127.0.0.1:5001 -t '^v1' > regsync.yaml", 'move from sync.sh flags to a file'],
    ]),
  );
  addSeedOptions(command).action(
    async (source: string | undefined, destination: string | undefined, options: SeedOptions, cmd: Command) => {
      const resolved = await resolveCommandConfig(ctx, cmd, positionalsOf(source, destination), options);
      ctx.io.stdout.write(redact(await configText(resolved), resolved.secrets));
    },
  );
}

/** The YAML `regsync config` prints for a resolved config. */
async function configText(resolved: ResolvedConfig): Promise<string> {
  // The YAML printer loads only for this command, not at every start-up.
  const { renderConfigYaml } = await import('../config/print.js');
  if (resolved.origin.kind === 'file') {
    return renderConfigYaml(resolved.config, {
      secrets: resolved.secrets,
      header: [`Effective configuration of ${resolved.origin.displayName}: defaults merged, secrets shown as ***.`],
    });
  }
  const sides = resolved.credentialSides;
  const variables = [...new Set(sides.values())].map((side) => `SYNC_${side}_PASSWORD`);
  const header = ['regsync.yaml equivalent to the sync.sh-style command line: save it and run regsync with -c.'];
  if (variables.length > 0) header.push(`Passwords are read from the environment: set ${variables.join(', ')}.`);
  return renderConfigYaml(resolved.config, {
    secrets: resolved.secrets,
    header,
    placeholder: (host, field) => {
      const side = sides.get(host);
      // A username is no secret: printed as given. The password never is.
      return side === undefined || field === 'username' ? null : `\${SYNC_${side}_PASSWORD}`;
    },
  });
}
