import { Argument } from 'commander';
import type { Command } from 'commander';
import { configSchemaText } from '../config/schema.js';
import { planSchemaText } from '../plan/plan-check.js';
import { examplesText } from './shared.js';
import type { CommandContext } from './shared.js';

const SCHEMAS: Record<string, () => string> = { config: configSchemaText, plan: planSchemaText };

/** `regsync schema [config|plan]`: the config file's (default) or the plan file's JSON Schema, for editors and CI. */
export function registerSchemaCommand(program: Command, ctx: CommandContext): void {
  program
    .command('schema')
    .description('print the JSON Schema of the config file (or, with "plan", of a plan file)')
    .addHelpText(
      'after',
      examplesText([
        ['regsync schema > regsync.schema.json', 'for editors and CI checks that read JSON Schema'],
        ['regsync schema plan', 'the schema of plan files (plan --json, plan -o)'],
      ]),
    )
    .addArgument(new Argument('[which]', 'which schema').choices(Object.keys(SCHEMAS)).default('config'))
    .action((which: string) => {
      const text = (SCHEMAS[which] ?? configSchemaText)();
      ctx.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
}
