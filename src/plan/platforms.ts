import { platformMatches } from '../oci/index.js';
import type { PlatformFacts } from './types.js';

/** The one child docker pulls for `wanted`: the exact platform, else the first variant of it, else none. */
export function pulledPlatform(platforms: readonly PlatformFacts[], wanted: string): PlatformFacts | undefined {
  return platforms.find((p) => p.platform === wanted) ?? platforms.find((p) => platformMatches(p.platform, wanted));
}
