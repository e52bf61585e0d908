/** An image this run brought into the engine, and the references the run gave it (removing them removes it). */
export interface QueuedImage {
  /** The image ID (config digest), for messages; null while the pull has not named it. */
  id: string | null;
  /** `repo@sha256:...` and `repo:tag` references created by this run; the copy adds its tag once it exists. */
  references: string[];
  /** Its copy is still running: the image is in use and not removed yet. */
  inUse: boolean;
}

/** Removes one image's references; resolves with a message when docker could not, null when it did. */
export type RemoveImage = (image: QueuedImage) => Promise<string | null>;

/**
 * FIFO of images the run pulled. Beyond `limit` images the oldest are removed, so an engine with a small disk
 * keeps at most `limit` pulled images while the layers of the latest ones stay for the next pulls of the same
 * repository. An image joins when its pull ends, so the queue counts the image being pushed; images still in use
 * are never removed. Removals run one at a time, oldest first.
 */
export class RemovalQueue {
  private readonly images: QueuedImage[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private readonly failures: string[] = [];

  constructor(
    private readonly limit: number,
    private readonly remove: RemoveImage,
  ) {}

  /** How many images wait for removal (in use or not). */
  get size(): number {
    return this.images.length;
  }

  /** Queues an image (usually still in use) and removes the oldest unused ones beyond the limit. */
  add(image: QueuedImage): Promise<void> {
    this.images.push(image);
    return this.trim();
  }

  /** The image's copy ended: it may now be removed like any other. */
  release(image: QueuedImage): Promise<void> {
    image.inUse = false;
    return this.trim();
  }

  /** Removes every queued image; the messages of removals docker refused, over the whole run. */
  async drain(): Promise<string[]> {
    await this.removeWhile(() => (this.images.length > 0 ? 0 : -1));
    return [...this.failures];
  }

  private trim(): Promise<void> {
    return this.removeWhile(() => (this.images.length > this.limit ? this.images.findIndex((image) => !image.inUse) : -1));
  }

  /** Removes the image at the index `next` picks until it picks none (-1). */
  private removeWhile(next: () => number): Promise<void> {
    const run = this.chain.then(async () => {
      for (let index = next(); index >= 0; index = next()) {
        const [image] = this.images.splice(index, 1);
        const failure = await this.remove(image!);
        if (failure !== null) this.failures.push(failure);
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
