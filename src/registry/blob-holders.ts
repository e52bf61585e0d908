/**
 * One run's record of which repositories of each destination registry hold a blob, or are being given it. A run
 * that copies many repositories sharing a base layer into one registry uploads that layer once; every other
 * repository mounts it from the first (a mount is one request and moves no bytes).
 *
 * Keyed by the registry's name (host as written, or the ocidir directory) and the digest. Owned by whoever runs
 * the copies (apply makes one per run) and passed down to copyImage, so nothing outlives the run that learned it.
 */
export class BlobHolders {
  /** registry + digest → repositories known to hold it (placed, mounted or found by this run). */
  private readonly held = new Map<string, Set<string>>();
  /** registry + digest → the upload running into that registry; settles with whether it succeeded. */
  private readonly uploads = new Map<string, Promise<boolean>>();

  private static key(registry: string, digest: string): string {
    return `${registry}\u0000${digest}`;
  }

  /** Whether this run already saw the blob land in (or found it in) this repository. */
  holds(registry: string, repository: string, digest: string): boolean {
    return this.held.get(BlobHolders.key(registry, digest))?.has(repository) ?? false;
  }

  add(registry: string, repository: string, digest: string): void {
    const key = BlobHolders.key(registry, digest);
    const repositories = this.held.get(key);
    if (repositories) repositories.add(repository);
    else this.held.set(key, new Set([repository]));
  }

  /** A repository of `registry`, other than `repository`, known to hold the blob: where to mount it from. */
  holderOtherThan(registry: string, repository: string, digest: string): string | null {
    for (const holder of this.held.get(BlobHolders.key(registry, digest)) ?? []) if (holder !== repository) return holder;
    return null;
  }

  /** The upload of this blob into this registry that is running now, if any. */
  uploadInProgress(registry: string, digest: string): Promise<boolean> | null {
    return this.uploads.get(BlobHolders.key(registry, digest)) ?? null;
  }

  /**
   * Claims the upload of the blob into this registry: until the returned function is called (true: it landed in
   * `repository`), other copies that need the blob there wait for it instead of uploading it too.
   */
  claimUpload(registry: string, repository: string, digest: string): (landed: boolean) => void {
    const key = BlobHolders.key(registry, digest);
    let settle!: (landed: boolean) => void;
    this.uploads.set(key, new Promise<boolean>((resolve) => (settle = resolve)));
    return (landed) => {
      if (landed) this.add(registry, repository, digest);
      this.uploads.delete(key);
      settle(landed);
    };
  }
}
