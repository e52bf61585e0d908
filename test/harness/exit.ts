/**
 * Cleanup that must run however the test process ends: normal exit, an uncaught error, or
 * SIGINT/SIGTERM (the test runner's timeout). Handlers run synchronously, newest first, so
 * daemons die before their temp dirs are removed. A SIGKILLed test process cannot run these;
 * the watchdog in processes.ts covers that case.
 */
type Handler = () => void;

const handlers: Handler[] = [];
let installed = false;
let ran = false;

function runAll(): void {
  if (ran) return;
  ran = true;
  for (const handler of [...handlers].reverse()) {
    try {
      handler();
    } catch {
      // Keep going: one failed cleanup must not leave the other daemons running.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runAll();
      // Re-raise with the default behaviour so the exit status still says "killed by signal".
      process.kill(process.pid, signal);
    });
  }
}

export function onProcessExit(handler: Handler): void {
  install();
  handlers.push(handler);
}
