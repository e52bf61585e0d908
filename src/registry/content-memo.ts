/** Verified bytes of one manifest or small blob, as a registry served them. */
export interface MemoEntry {
  bytes: Buffer;
  /** The Content-Type the registry sent (manifests are parsed by it); null for blobs. */
  contentType: string | null;
}

/** What a memo holds at most, in bytes: a run's manifests and image configs, never a layer. */
export const DEFAULT_MEMO_BYTES = 16 << 20;
/** Larger bodies are not kept: a memo is for the small documents a plan reads and apply reads again. */
export const MEMO_ENTRY_LIMIT = 256 << 10;

/**
 * A run's memory of content-addressed bytes it read: `apply` plans, then copies the same manifests and image
 * configs; with one memo for both, the copy takes them from here instead of a second GET. Keyed by registry,
 * repository and digest, so it never vouches for a blob in a repository it was not read from; bytes are only
 * stored after their digest was checked. Bounded: past `limitBytes` the oldest entries go (the copy then reads
 * them again), so memory stays flat however large the plan.
 */
export class ContentMemo {
  private readonly entries = new Map<string, MemoEntry>();
  private held = 0;

  constructor(private readonly limitBytes = DEFAULT_MEMO_BYTES) {}

  private static key(registry: string, repository: string, digest: string): string {
    return `${registry}\u0000${repository}\u0000${digest}`;
  }

  get(registry: string, repository: string, digest: string): MemoEntry | null {
    return this.entries.get(ContentMemo.key(registry, repository, digest)) ?? null;
  }

  /** Keeps verified bytes (a no-op for bodies over MEMO_ENTRY_LIMIT). */
  set(registry: string, repository: string, digest: string, entry: MemoEntry): void {
    if (entry.bytes.length > MEMO_ENTRY_LIMIT || entry.bytes.length > this.limitBytes) return;
    const key = ContentMemo.key(registry, repository, digest);
    if (this.entries.has(key)) return;
    this.entries.set(key, entry);
    this.held += entry.bytes.length;
    for (const [oldest, old] of this.entries) {
      if (this.held <= this.limitBytes) break;
      this.entries.delete(oldest);
      this.held -= old.bytes.length;
    }
  }

  /** Bytes held now (tests check the bound). */
  get size(): number {
    return this.held;
  }
}
