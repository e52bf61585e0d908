// Regenerates examples/quickstart/images (run: node --import tsx scripts/make-quickstart-images.ts).
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { writeQuickstartImages } from '../test/harness/quickstart-images.js';

const dir = fileURLToPath(new URL('../examples/quickstart/images', import.meta.url));
await rm(dir, { recursive: true, force: true });
await writeQuickstartImages(dir);
console.log(`wrote ${dir}`);
