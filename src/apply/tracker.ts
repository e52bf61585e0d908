import { shortDigest } from '../oci/index.js';
import type { Change } from '../plan/types.js';
import type { ChangeProgress, ChangeResult } from './types.js';

type Listener = (event: { line?: string; bytes?: number }) => void;

/**
 * One change as the run sees it: the scheduler starts and finishes it, the executor reports through it, and the
 * task tree (a view only) waits on it. Results never depend on the renderer.
 */
export class ChangeTracker implements ChangeProgress {
  readonly started: Promise<void>;
  readonly finished: Promise<ChangeResult>;
  bytesSoFar = 0;
  /** Set by start(): a change finished in the same tick it started must still show as run, not skipped. */
  hasStarted = false;
  readonly warnings: string[] = [];
  private resolveStarted!: () => void;
  private resolveFinished!: (result: ChangeResult) => void;
  private readonly listeners: Listener[] = [];

  constructor(readonly change: Change) {
    this.started = new Promise((resolve) => (this.resolveStarted = resolve));
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  start(): void {
    this.hasStarted = true;
    this.resolveStarted();
  }

  finish(result: ChangeResult): void {
    this.resolveFinished(result);
    // Nothing reports on a finished change: its listeners (and what they hold of the task tree) can go.
    this.listeners.length = 0;
  }

  output(line: string): void {
    for (const listener of this.listeners) listener({ line });
  }

  warning(line: string): void {
    this.warnings.push(line);
    this.output(`warning: ${line}`);
  }

  bytes(total: number): void {
    this.bytesSoFar = total;
    for (const listener of this.listeners) listener({ bytes: total });
  }

  onProgress(listener: Listener): void {
    this.listeners.push(listener);
  }
}

/** `create app1:v1.0.3`: the task title under its destination repository's parent task. */
export function changeTitle(change: Change): string {
  const name = change.target.repository.split('/').pop() ?? change.target.repository;
  // A referrer change is named by the digest it copies.
  if (change.subject !== undefined) return `${change.action} ${name}@${shortDigest(change.source?.digest ?? '')}`;
  return `${change.action} ${name}:${change.target.tag ?? change.target.digest ?? ''}`;
}
