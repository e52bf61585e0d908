import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { ListrTask, ListrTaskWrapper } from 'listr2';
import { formatBytes } from './progress-format.js';
import { changeTitle } from './tracker.js';
import type { ChangeTracker } from './tracker.js';

/** default: the live tree for a terminal; simple: one line per event, for CI logs; silent: nothing (--json, tests). */
export type RendererName = 'default' | 'simple' | 'silent';

export interface TaskTreeOptions {
  renderer: RendererName;
  /** Where the tree is drawn: stderr, so stdout keeps the plan and the summary. */
  stream: { write(chunk: string): unknown };
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
 * runs for exactly as long as the change does. A change that never starts is shown as skipped.
 */
function changeTask(tracker: ChangeTracker, options: TaskTreeOptions): ListrTask {
  const title = changeTitle(tracker.change);
  return {
    task: async (_context, slot: Wrapper) => {
      const first = await Promise.race([tracker.started.then(() => null), tracker.finished]);
      if (first !== null && !tracker.hasStarted) {
        slot.title = title;
        slot.skip(first.error ?? 'not started');
        return;
      }
      return slot.newListr([
        {
          title,
          task: async (_inner, task: Wrapper) => {
            const stop = showProgress(tracker, task, title, options);
            const result = await tracker.finished.finally(stop);
            if (result.status === 'done') task.title = result.bytes > 0 ? `${title} (${formatBytes(result.bytes)})` : title;
            else if (result.status === 'skipped') task.skip(result.error ?? 'skipped');
            else throw new Error(result.status === 'stale' ? `stale: ${result.error ?? ''}` : (result.error ?? 'failed'));
          },
        },
      ]);
    },
  };
}

/** One parent task per destination repository (in plan order) with its changes as subtasks. */
export function buildTaskTree(trackers: readonly ChangeTracker[], options: TaskTreeOptions): Listr<unknown, RendererName, 'simple'> {
  const parents = new Map<string, ChangeTracker[]>();
  for (const tracker of trackers) {
    const key = `${tracker.change.target.endpoint}/${tracker.change.target.repository}`;
    parents.set(key, [...(parents.get(key) ?? []), tracker]);
  }
  const processOutput = new ProcessOutput(options.stream as NodeJS.WriteStream, options.stream as NodeJS.WriteStream);
  const logger = new ListrLogger({ useIcons: true, processOutput });
  return new Listr(
    [...parents].map(([repository, members]) => ({
      title: repository,
      task: (_context: unknown, task: Wrapper) =>
        task.newListr(
          members.map((tracker) => changeTask(tracker, options)),
          { concurrent: true, exitOnError: false },
        ),
    })),
    {
      // The scheduler bounds concurrency; the tree only shows it.
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: options.renderer,
      rendererOptions: { logger, collapseSubtasks: false, collapseErrors: false },
      fallbackRenderer: 'simple',
      fallbackRendererOptions: { logger },
      fallbackRendererCondition: false,
      silentRendererCondition: options.renderer === 'silent',
    },
  );
}
