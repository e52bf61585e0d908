/**
 * What src/cli.ts needs of the program, as the one CommonJS bundle `npm run build` also writes
 * (dist/regsync-HASH.cjs): started through V8's code cache (src/cached-bundle.ts), the program is not compiled again
 * at every start, which Node 20 cannot do for ES modules (issue 17).
 */
export { runCli } from './program.js';
export { processSignals } from './commands/process-signals.js';
export { tuneHeap, untuneHeap } from './util/heap-tuning.js';
