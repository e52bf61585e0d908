/** The process's Ctrl-C: whoever in regsync listens gets it; with nobody listening, a line on stderr and exit 130. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { processSignals } from '../../src/commands/process-signals.js';

function fakeProcess(): {
  target: EventEmitter & { exit(code: number): void };
  exits: number[];
  stderr: { write(chunk: string): void; text: string };
} {
  const exits: number[] = [];
  const target = Object.assign(new EventEmitter(), { exit: (code: number) => void exits.push(code) });
  const stderr = { text: '', write: (chunk: string) => void (stderr.text += chunk) };
  return { target, exits, stderr };
}

test('nobody listening: SIGINT prints "regsync: interrupted" and exits 130; SIGTERM "regsync: terminated", 143', () => {
  const { target, exits, stderr } = fakeProcess();
  processSignals(target, stderr);
  target.emit('SIGINT');
  target.emit('SIGTERM');
  assert.equal(stderr.text, 'regsync: interrupted\nregsync: terminated\n');
  assert.deepEqual(exits, [130, 143]);
});

test('a listener (apply run, the confirmation) takes the signal: no line, no exit; after off() the default is back', () => {
  const { target, exits, stderr } = fakeProcess();
  const signals = processSignals(target, stderr);
  let heard = 0;
  const listener = (): void => void (heard += 1);
  signals.on('SIGINT', listener);
  target.emit('SIGINT');
  assert.equal(heard, 1);
  assert.deepEqual(exits, []);
  assert.equal(stderr.text, '');
  signals.off('SIGINT', listener);
  target.emit('SIGINT');
  assert.equal(heard, 1);
  assert.deepEqual(exits, [130]);
});
