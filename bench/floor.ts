/**
 * `npm run bench -- floor [--repos 20] [--tags 10] [--runs 7] [--no-build]`
 *
 * `noop` without `regsync apply --yes`: the plan, the floor client and skopeo only (shorter). See
 * bench/lib/noop-floor.ts.
 */
import { noopAtTheFloor } from './lib/noop-floor.js';

await noopAtTheFloor({ name: 'floor', withApply: false });
