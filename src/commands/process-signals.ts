import type { SignalSource } from '../apply/interrupts.js';

type SignalName = 'SIGINT' | 'SIGTERM';

/** What the process-wide handlers need from the process: its signals, stderr and exit. */
export interface SignalProcess {
  on(event: SignalName, listener: () => void): unknown;
  exit(code: number): void;
}

/**
 * The process's interrupts as the CLI sees them. While a part of regsync listens (apply's run finishes its changes,
 * the confirmation question takes Ctrl-C as a no) the signal is theirs. Otherwise nothing is there to stop
 * gracefully (reading registries for a plan, validating): a Ctrl-C says so on stderr and ends the process as
 * a shell expects, with 130 (128 + SIGINT), instead of vanishing without a word; SIGTERM ends it with 143.
 */
export function processSignals(target: SignalProcess, stderr: { write(chunk: string): unknown }): SignalSource {
  const listeners: Record<SignalName, Set<() => void>> = { SIGINT: new Set(), SIGTERM: new Set() };
  const dispatch = (signal: SignalName, exitCode: number, line: string) => () => {
    const current = [...listeners[signal]];
    if (current.length > 0) {
      for (const listener of current) listener();
      return;
    }
    stderr.write(line);
    target.exit(exitCode);
  };
  target.on('SIGINT', dispatch('SIGINT', 130, 'regsync: interrupted\n'));
  target.on('SIGTERM', dispatch('SIGTERM', 143, 'regsync: terminated\n'));
  return {
    on(event, listener) {
      listeners[event].add(listener);
    },
    off(event, listener) {
      listeners[event].delete(listener);
    },
  };
}
