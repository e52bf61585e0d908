import type { Command } from 'commander';
import { configSchemaText } from '../config/schema.js';
import type { CommandContext } from './shared.js';

/** `regsync schema`: the config file's JSON Schema, for editors and CI. */
export function registerSchemaCommand(program: Command, ctx: CommandContext): void {
  program
    .command('schema')
    .description('print the JSON Schema of the config file')
    .action(() => {
      const text = configSchemaText();
      ctx.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
}
