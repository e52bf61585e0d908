/**
 * `npm run bench -- noop [--repos 20] [--tags 10] [--runs 7] [--no-build]`
 *
 * The no-op sync (issues 9 and 17): `regsync plan` and `regsync apply --yes` beside the floor client and
 * `skopeo sync --all`, medians of alternating runs; regsync ÷ floor (goal ≤ 1.3×) and skopeo ÷ regsync (goal ≥ 3×).
 * See bench/lib/noop-floor.ts.
 */
import { noopAtTheFloor } from './lib/noop-floor.js';

await noopAtTheFloor({ name: 'noop', withApply: true });
