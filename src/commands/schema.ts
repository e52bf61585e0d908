import { Argument } from 'commander';
import type { Command } from 'commander';
import { examplesText } from './shared.js';
import type { CommandContext } from './shared.js';

// Loaded on use: both modules bring ajv, which no other command needs at start-up.
const SCHEMAS: Record<string, () => Promise<string>> = {
  config: async () => (await import('../config/schema.js')).configSchemaText(),
  plan: async () => (await import('../planfile/schema.js')).planSchemaText(),
  'apply-result': async () => (await import('../apply/result-schema.js')).applyResultSchemaText(),
};

/** `regsync schema [config|plan|apply-result]`: the config file's (default), a plan file's or apply --json's JSON Schema. */
export function registerSchemaCommand(program: Command, ctx: CommandContext): void {
  program
    .command('schema')
    .description('print the JSON Schema of the config file (or, with "plan", of a plan file; "apply-result", of apply --json)')
    .addHelpText(
      'after',
      examplesText([
        ['regsync schema > regsync.schema.json', 'for editors and CI checks that read JSON Schema'],
        ['regsync schema plan', 'the schema of plan files (plan --json, plan -o)'],
        ['regsync schema apply-result', 'the schema of regsync apply --json'],
      ]),
    )
    .addArgument(new Argument('[which]', 'which schema').choices(Object.keys(SCHEMAS)).default('config'))
    .action(async (which: string) => {
      const text = await (SCHEMAS[which] ?? SCHEMAS.config!)();
      ctx.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
}
