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

/**
 * The trackers of one destination repository's changes, as its row of the task tree shows them: made together
 * when the first of them starts (or is skipped), not one per change of the plan from the start, and let go one by
 * one as they finish (the run keeps each change's result, not its tracker).
 */
export class TrackerRow {
  /** Settles once one of the row's changes starts or is skipped: `take()` then gives its trackers. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private members: Change[] | null = [];
  private trackers = new Map<string, ChangeTracker>();
  private made: ChangeTracker[] | null = null;

  constructor(readonly key: string) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  add(change: Change): void {
    this.members?.push(change);
  }

  /** The change's tracker; the first call makes the trackers of the whole row. */
  trackerFor(change: Change): ChangeTracker {
    if (this.members !== null) {
      this.made = this.members.map((member) => new ChangeTracker(member));
      for (const tracker of this.made) this.trackers.set(tracker.change.id, tracker);
      this.members = null;
      this.resolveReady();
    }
    const tracker = this.trackers.get(change.id);
    if (tracker === undefined) throw new Error(`${change.id} has no tracker in row ${this.key} (not a member, or finished)`);
    return tracker;
  }

  /** The row's trackers, once, for the task tree (which holds them as long as it shows them). */
  take(): ChangeTracker[] {
    const made = this.made ?? [];
    this.made = null;
    return made;
  }

  /** The change is over: the row no longer holds its tracker. */
  release(change: Change): void {
    this.trackers.delete(change.id);
  }
}

/** The task tree's row of a change: its destination repository. */
export const rowKey = (change: Change): string => `${change.target.endpoint}/${change.target.repository}`;

/** The rows of the given changes, one per destination repository in order of first appearance. */
export function trackerRows(changes: readonly Change[]): Map<string, TrackerRow> {
  const rows = new Map<string, TrackerRow>();
  for (const change of changes) {
    const key = rowKey(change);
    const row = rows.get(key) ?? rows.set(key, new TrackerRow(key)).get(key)!;
    row.add(change);
  }
  return rows;
}
