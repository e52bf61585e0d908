/**
 * Per mirror, how long it has been out of sync: since it was last seen with nothing to do. A mirror is in sync at
 * the end of a cycle that found nothing to do for it, or carried out every change planned for it; one never seen in
 * sync counts from the first cycle that planned it.
 */
export class Staleness {
  private readonly mirrors = new Map<string, { inSync: boolean; lastInSync: number }>();

  /** The cycle's verdict for `mirror` at `at` (epoch ms). */
  record(mirror: string, inSync: boolean, at: number): void {
    const known = this.mirrors.get(mirror);
    if (inSync || known === undefined) this.mirrors.set(mirror, { inSync, lastInSync: at });
    else known.inSync = false;
  }

  /** Mirrors no longer in the config stop being reported. */
  keepOnly(names: readonly string[]): void {
    for (const name of [...this.mirrors.keys()]) if (!names.includes(name)) this.mirrors.delete(name);
  }

  seconds(now: number): Map<string, number> {
    return new Map(
      [...this.mirrors].map(([mirror, { inSync, lastInSync }]) => [mirror, inSync ? 0 : Math.max(0, (now - lastInSync) / 1000)]),
    );
  }
}
