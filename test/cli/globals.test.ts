import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readGlobals } from '../../src/commands/shared.js';
import type { CliIo } from '../../src/commands/shared.js';
import { buildProgram } from '../../src/program.js';

// Colour is on only for a terminal, without --no-color and without NO_COLOR.
const rows: { argv: string[]; env: NodeJS.ProcessEnv; tty: boolean; color: boolean; verbose: boolean; quiet: boolean }[] = [
  { argv: ['schema'], env: {}, tty: true, color: true, verbose: false, quiet: false },
  { argv: ['schema'], env: {}, tty: false, color: false, verbose: false, quiet: false },
  { argv: ['--no-color', 'schema'], env: {}, tty: true, color: false, verbose: false, quiet: false },
  { argv: ['schema'], env: { NO_COLOR: '1' }, tty: true, color: false, verbose: false, quiet: false },
  { argv: ['-v', '-q', 'schema'], env: {}, tty: true, color: true, verbose: true, quiet: true },
  { argv: ['schema', '--verbose'], env: {}, tty: false, color: false, verbose: true, quiet: false },
];

for (const row of rows) {
  test(`globals for ${row.argv.join(' ')} env=${JSON.stringify(row.env)} tty=${row.tty}`, async () => {
    const io: CliIo = { stdout: { write: () => true, isTTY: row.tty }, stderr: { write: () => true }, env: row.env, cwd: '/' };
    const program = buildProgram({
      io,
      version: '0.0.0',
      setExitCode: () => undefined,
      globals: (command) => readGlobals(command, io),
      addSecrets: () => undefined,
    });
    await program.parseAsync(row.argv, { from: 'user' });
    const schema = program.commands.find((command) => command.name() === 'schema');
    assert.ok(schema !== undefined);
    const globals = readGlobals(schema, io);
    assert.deepEqual(
      { color: globals.color, verbose: globals.verbose, quiet: globals.quiet },
      { color: row.color, verbose: row.verbose, quiet: row.quiet },
    );
  });
}
