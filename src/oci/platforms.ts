/**
 * "linux/arm64" names linux/arm64 and each of its variants (linux/arm64/v8), as `docker pull --platform` reads
 * it; an exact "os/arch/variant" names only itself. Shared by the registry copy, the inventory and the planner,
 * so all three select the same children of an index.
 */
export function platformMatches(platform: string, wanted: string): boolean {
  return platform === wanted || platform.startsWith(`${wanted}/`);
}

/** The platform buildx gives attestation manifests and other children that are not images of a platform. */
export const UNKNOWN_PLATFORM = 'unknown/unknown';
/** The annotation by which a buildx attestation names the image child it describes. */
export const REFERENCE_DIGEST_ANNOTATION = 'vnd.docker.reference.digest';

/** One child of an index as the platform rule sees it. */
export interface PlatformChild {
  digest: string;
  /** The descriptor's platform ("os/arch[/variant]"), or null when it declares none. */
  platform: string | null;
  /** For a buildx attestation: the digest of the child it describes (REFERENCE_DIGEST_ANNOTATION). */
  describes: string | null;
}

/** What `platforms` makes of one index. */
export type PlatformSelection =
  /** No child declares a platform (artifacts, referrers, an empty index): the index is copied whole. */
  | { kind: 'whole' }
  /** Children declare platforms, none of them wanted: the tag cannot serve `platforms`. */
  | { kind: 'none'; available: string[] }
  /** The children to keep, in index order (every child when all are kept: the copy is then whole). */
  | { kind: 'subset'; keep: boolean[] };

function declares(child: PlatformChild): child is PlatformChild & { platform: string } {
  return child.platform !== null && child.platform !== UNKNOWN_PLATFORM;
}

/**
 * The one platform rule, used by the planner and by the registry copy so both choose the same children: a child
 * declaring a wanted platform is kept; a buildx attestation (`unknown/unknown` naming the child it describes) is
 * kept exactly when that child is; every other child goes. An index where no child declares a platform is whole.
 */
export function selectPlatformChildren(children: readonly PlatformChild[], wanted: readonly string[]): PlatformSelection {
  const declaring = children.filter(declares);
  if (declaring.length === 0) return { kind: 'whole' };
  const kept = new Set(declaring.filter((child) => wanted.some((w) => platformMatches(child.platform, w))).map((child) => child.digest));
  if (kept.size === 0) return { kind: 'none', available: [...new Set(declaring.map((child) => child.platform))] };
  const keep = children.map((child) =>
    declares(child) ? kept.has(child.digest) : child.platform === UNKNOWN_PLATFORM && child.describes !== null && kept.has(child.describes),
  );
  return { kind: 'subset', keep };
}
