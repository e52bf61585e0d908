import type { PlatformFacts } from './types.js';

/**
 * "linux/arm64" names linux/arm64 and each of its variants (linux/arm64/v8), as `docker pull --platform` and the
 * registry copy (src/registry/copy-platforms.ts) read it; an exact "os/arch/variant" names only itself.
 */
export function platformMatches(platform: string, wanted: string): boolean {
  return platform === wanted || platform.startsWith(`${wanted}/`);
}

/** The one child docker pulls for `wanted`: the exact platform, else the first variant of it, else none. */
export function pulledPlatform(platforms: readonly PlatformFacts[], wanted: string): PlatformFacts | undefined {
  return platforms.find((p) => p.platform === wanted) ?? platforms.find((p) => platformMatches(p.platform, wanted));
}
