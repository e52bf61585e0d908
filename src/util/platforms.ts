/**
 * "linux/arm64" names linux/arm64 and each of its variants (linux/arm64/v8), as `docker pull --platform` reads
 * it; an exact "os/arch/variant" names only itself. Shared by the registry copy, the inventory and the planner,
 * so all three select the same children of an index.
 */
export function platformMatches(platform: string, wanted: string): boolean {
  return platform === wanted || platform.startsWith(`${wanted}/`);
}
