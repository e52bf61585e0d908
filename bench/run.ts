/** `npm run bench`: every benchmark, one after another (kept out of `npm test`). */
await import('./copy-large-blob.js');
await import('./plan-compare.js');
