import { DefaultRenderer, figures, Listr, ListrDefaultRendererLogLevels, ListrErrorTypes, ListrLogger, ProcessOutput } from 'listr2';
import type { ListrTask, ListrTaskWrapper } from 'listr2';
import { formatBytes } from './progress-format.js';
import { changeTitle } from './tracker.js';
import type { ChangeTracker, TrackerRow } from './tracker.js';
import type { ChangeResult } from './types.js';

/** default: the live tree for a terminal; simple: one line per event, for CI logs; silent: nothing (--json, tests). */
export type RendererName = 'default' | 'simple' | 'silent';

export interface TaskTreeOptions {
  renderer: RendererName;
  /** Where the tree is drawn: stderr, so stdout keeps the plan and the summary. */
  stream: { write(chunk: string): unknown; columns?: number };
  /** The simple renderer prints a line at least this often while a change runs (default 30 s). */
  heartbeatMs?: number;
}

const HEARTBEAT_MS = 30_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listr2's wrapper type is generic over renderers.
type Wrapper = ListrTaskWrapper<unknown, any, any>;

/** Shows a tracker's progress on its task: bytes and the last line live in a terminal, a heartbeat in CI logs. */
function showProgress(tracker: ChangeTracker, task: Wrapper, title: string, options: TaskTreeOptions): () => void {
  if (options.renderer === 'silent') return () => undefined;
  let last = '';
  let quietSince = Date.now();
  tracker.onProgress(({ line, bytes }) => {
    if (line !== undefined) last = line;
    quietSince = Date.now();
    if (options.renderer === 'default') task.output = `${formatBytes(bytes ?? tracker.bytesSoFar)} · ${last}`;
    // CI logs interleave the changes in flight: each line names its change.
    else if (line !== undefined) task.output = `${title}: ${line}`;
  });
  if (options.renderer !== 'simple') return () => undefined;
  const every = options.heartbeatMs ?? HEARTBEAT_MS;
  const timer = setInterval(() => {
    if (Date.now() - quietSince < every) return;
    quietSince = Date.now();
    task.output = `${title}: still running, ${formatBytes(tracker.bytesSoFar)} copied so far`;
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * A change's task waits, untitled (so no renderer shows it), until the scheduler starts it; then a titled task
 * runs for exactly as long as the change does. A change that never starts is shown as skipped. The task lets go of
 * the tracker once it is over: listr2 keeps its tasks (the tree still shows them), not what they watched.
 */
function changeTask(tracker: ChangeTracker, options: TaskTreeOptions): ListrTask {
  const title = changeTitle(tracker.change);
  let held: ChangeTracker | null = tracker;
  return {
    task: async (_context, slot: Wrapper) => {
      const watched = held;
      if (watched === null) return;
      const first = await Promise.race([watched.started.then(() => null), watched.finished]);
      if (first !== null && !watched.hasStarted) {
        held = null;
        slot.title = title;
        slot.skip(first.error ?? 'not started');
        return;
      }
      return slot.newListr([
        {
          title,
          task: async (_inner, task: Wrapper) => {
            const running = held;
            held = null;
            if (running === null) return;
            const stop = showProgress(running, task, title, options);
            const result = await running.finished.finally(stop);
            if (result.status === 'done') task.title = result.bytes > 0 ? `${title} (${formatBytes(result.bytes)})` : title;
            else if (result.status === 'present') task.title = `${title} (already present)`;
            else if (result.status === 'skipped') task.skip(result.error ?? 'skipped');
            else throw new Error(result.status === 'stale' ? `stale: ${result.error ?? ''}` : (result.error ?? 'failed'));
          },
        },
      ]);
    },
  };
}

/**
 * What a destination repository's row says once its changes are over: null when every one is done or already
 * present, else the counts of the others (`2 failed, 1 stale, 3 not started`). A row is never ✔ while a change
 * under it did not happen (listr2 marks a parent complete whatever its subtasks did when errors do not exit).
 */
export async function rowVerdict(outcomes: readonly Promise<ChangeResult>[]): Promise<string | null> {
  const results = await Promise.all(outcomes);
  const count = (status: ChangeResult['status']): number => results.filter((result) => result.status === status).length;
  const parts = [
    [count('failed'), 'failed'],
    [count('stale'), 'stale'],
    [count('skipped'), 'not started'],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return said.length === 0 ? null : said.join(', ');
}

/**
 * `listr` (the subtasks of `row`) whose run, once its tasks are over, rejects with the verdict: the row then shows
 * as failed. The row reports the message itself, as listr2 reports none for a parent task.
 */
function failingWhen<T extends { run(context?: unknown): Promise<unknown> }>(
  listr: T,
  row: Wrapper,
  verdict: () => Promise<string | null>,
): T {
  const run = listr.run.bind(listr);
  listr.run = async (context?: unknown) => {
    const out = await run(context);
    const why = await verdict();
    if (why === null) return out;
    const error = new Error(why);
    row.report(error, ListrErrorTypes.HAS_FAILED);
    throw error;
  };
  return listr;
}

/** A terminal may report 0 columns (a serial console, some CI ptys): lines are then cut at a usual width, not after every character. */
const FALLBACK_COLUMNS = 80;

function treeColumns(stream: TaskTreeOptions['stream']): number {
  return stream.columns !== undefined && stream.columns > 0 ? stream.columns : FALLBACK_COLUMNS;
}

/**
 * The default renderer with a usable width. listr2 wraps each line at process.stdout.columns (whatever stream it
 * draws on), so a terminal reporting 0 columns printed the tree one character per line. Its `format` is
 * synchronous: only while it runs does process.stdout show the width the tree's own stream gives.
 */
function saneWidthRenderer(stream: TaskTreeOptions['stream']): typeof DefaultRenderer {
  return class SaneWidthRenderer extends DefaultRenderer {
    protected override format(message: string, icon: string, level: number): string[] {
      const stdout = process.stdout;
      const own = Object.getOwnPropertyDescriptor(stdout, 'columns');
      Object.defineProperty(stdout, 'columns', { value: treeColumns(stream), configurable: true, writable: true });
      try {
        return super.format(message, icon, level);
      } finally {
        if (own === undefined) Reflect.deleteProperty(stdout, 'columns');
        else Object.defineProperty(stdout, 'columns', own);
      }
    }
  };
}

/**
 * One parent task per destination repository (in plan order) with its changes as subtasks, made when the row's
 * first change starts (a large apply holds tasks for the repositories in flight, not one per change from the start).
 */
export function buildTaskTree(
  rows: readonly TrackerRow[],
  options: TaskTreeOptions,
): Listr<unknown, Exclude<RendererName, 'default'> | typeof DefaultRenderer, 'simple'> {
  // log-update, which redraws the tree, wraps at this stream's columns: the same usable width as the lines.
  const stream = { write: (chunk: string) => options.stream.write(chunk), columns: treeColumns(options.stream) };
  const processOutput = new ProcessOutput(stream as unknown as NodeJS.WriteStream, stream as unknown as NodeJS.WriteStream);
  const logger = new ListrLogger({ useIcons: true, processOutput });
  return new Listr(
    rows.map((row) => ({
      title: row.key,
      task: async (_context: unknown, task: Wrapper) => {
        await row.ready;
        const members = row.take();
        // The verdict waits on the results alone: a finished change's tracker is not kept for it.
        const outcomes = members.map((tracker) => tracker.finished);
        return failingWhen(
          task.newListr(
            members.map((tracker) => changeTask(tracker, options)),
            { concurrent: true, exitOnError: false },
          ),
          task,
          () => rowVerdict(outcomes),
        );
      },
    })),
    {
      // The scheduler bounds concurrency; the tree only shows it.
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: options.renderer === 'default' ? saneWidthRenderer(options.stream) : options.renderer,
      // A failed row (a parent with subtasks) is drawn ✖ like a failed change, not with listr2's ❯.
      rendererOptions: {
        logger,
        collapseSubtasks: false,
        collapseErrors: false,
        icon: { [ListrDefaultRendererLogLevels.FAILED_WITH_FAILED_SUBTASKS]: figures.cross },
      },
      fallbackRenderer: 'simple',
      fallbackRendererOptions: { logger },
      fallbackRendererCondition: false,
      silentRendererCondition: options.renderer === 'silent',
    },
  );
}
