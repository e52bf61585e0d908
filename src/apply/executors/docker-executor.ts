import { DEFAULT_REMOVAL_QUEUE } from '../../config/types.js';
import type { Change } from '../../plan/types.js';
import { RegsyncError } from '../../util/errors.js';
import type { ExecutionContext, Executor } from '../types.js';
import type { HeldCredential } from './docker-config.js';
import { formatOperation } from '../operations.js';
import type { Operation } from '../operations.js';
import { dockerCommands, dockerCopyRefs, dockerOperations } from './docker-refs.js';
import type { DockerCopyRefs } from './docker-refs.js';
import type { Engine, LocalImage, StepAt } from './engine.js';
import { ApiEngine } from './engine-api.js';
import { CliEngine } from './engine-cli.js';
import { chooseEngine } from './engine-choice.js';
import type { EngineMode } from './engine-choice.js';
import { RemovalQueue } from './removal-queue.js';
import type { QueuedImage } from './removal-queue.js';

export interface DockerExecutorOptions {
  /** The docker CLI (resolveDockerBinary: --docker PATH, DOCKER, `docker`). */
  binary: string;
  /** The environment docker runs with (DOCKER_HOST, DOCKER_CONTEXT, proxies, HOME pass through). */
  env: NodeJS.ProcessEnv;
  /** Credentials regsync holds: the API's X-Registry-Auth, or a temporary DOCKER_CONFIG for the CLI. */
  credentials: readonly HeldCredential[];
  /** `auto` (default): the Engine API unless only the CLI can reach the engine (engine-choice.ts). */
  engine?: EngineMode;
  /** The one line saying how the engine is reached (stderr, never stdout). */
  info?(line: string): void;
  /** removalQueue by mirror name; a mirror missing here gets the default (20). */
  removalQueue?: Readonly<Record<string, number>>;
  /** A line for the user, for removals docker refused (never stdout). */
  warn(line: string): void;
}

/** What the engine held before this copy ran, as far as the copy's image and references go. */
interface LocalBefore {
  /** The image existed before the run (or arrived from elsewhere): never removed. */
  usersImage: boolean;
  sourceExists: boolean;
  targetExists: boolean;
  /** The image the destination tag named before the copy: `docker tag` moves the tag, the copy puts it back. */
  targetId: string | null;
}

/** The docker executor: pull by digest, tag, push (through the Engine API or the docker CLI), with queued removals. */
export function dockerExecutor(options: DockerExecutorOptions): Executor {
  return new DockerExecutor(options);
}

class DockerExecutor implements Executor {
  readonly name = 'docker' as const;
  private readonly engine: Engine;
  /** Image IDs in the engine before the run, or found there unannounced: never removed. */
  private readonly usersImages = new Set<string>();
  /** Of those, the ones that had a name (a reference) before the run: all references the run adds to them can go. */
  private readonly namedUsersImages = new Set<string>();
  /** Image IDs this run pulled into the engine. */
  private readonly pulledImages = new Set<string>();
  /** References this run created (a reference that existed before the run is never removed). */
  private readonly createdReferences = new Set<string>();
  /** References the running copies use, with how many use each: a removal leaves them alone. */
  private readonly heldReferences = new Map<string, number>();
  private readonly queues = new Map<string, RemovalQueue>();
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;
  /** Bytes each running copy's pull moved (API path), so its push adds to them. */
  private readonly pulledBytes = new WeakMap<DockerCopyRefs, number>();

  constructor(private readonly options: DockerExecutorOptions) {
    const choice = chooseEngine(options.binary, options.env, options.engine);
    this.engine =
      choice.kind === 'api'
        ? new ApiEngine(choice.endpoint, options.env, options.credentials)
        : new CliEngine(options.binary, options.env, options.credentials, choice.reason);
  }

  /** The docker commands an operator would type: what --dry-run prints, and each step's first line when it runs. */
  describe(change: Change): Operation[] {
    const { pull, tag, push } = dockerOperations(change, this.options.binary);
    return [pull, tag, push];
  }

  async prepare(signal: AbortSignal): Promise<void> {
    this.options.info?.(`docker executor: ${this.engine.description}`);
    await this.engine.open();
    try {
      // Both at once; an unreachable engine is reported by the version check.
      const listed = this.engine.list();
      listed.catch(() => undefined);
      await this.engine.version(signal);
      const images = await listed;
      for (const id of images.ids) this.usersImages.add(id);
      for (const id of images.named) this.namedUsersImages.add(id);
    } catch (error) {
      await this.engine.close();
      throw error;
    }
  }

  async copy(change: Change, context: ExecutionContext): Promise<{ bytes: number }> {
    if (this.closed) throw new RegsyncError(`the docker executor is closed; ${change.id} was not copied`, { code: 'INTERNAL' });
    const copy = this.copyImage(change, context);
    this.running.add(copy);
    try {
      return await copy;
    } finally {
      this.running.delete(copy);
    }
  }

  /** Waits for running copies, removes every image the run queued, then the temporary Docker config. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.running]);
    try {
      for (const queue of this.queues.values()) {
        for (const failure of await queue.drain()) this.options.warn(`could not remove an image this run pulled: ${failure}`);
      }
    } finally {
      await this.engine.close();
    }
  }

  private async copyImage(change: Change, context: ExecutionContext): Promise<{ bytes: number }> {
    const refs = dockerCopyRefs(change);
    const queue = this.queueFor(change.mirror);
    const image: QueuedImage = { id: null, references: [], inUse: true };
    let pulled: LocalImage | null = null;
    let before: LocalBefore | null = null;
    let tagged = false;
    this.hold(refs, 1);
    try {
      before = await this.localBefore(refs);
      try {
        await this.step('pull', { host: refs.sourceHost, reference: refs.source }, refs, context, (options) =>
          this.engine.pull(refs.source, refs.platform, { host: refs.sourceHost, reference: refs.source }, options),
        );
      } finally {
        pulled = await this.notePulled(refs, before, image, queue);
      }
      tagged = true;
      await this.tagAndPush(refs, before, image, context);
      // The pushed reference is a tag of the pulled image: its size is the pulled one (the bytes the API streamed
      // while pulling and pushing were the progress; the change's size is the image's).
      const bytes = pulled?.size ?? 0;
      context.progress.bytes(bytes);
      return { bytes };
    } finally {
      this.hold(refs, -1);
      if (before !== null) await this.putBack(refs, before, pulled, image, tagged);
      // The removal this may start runs in the background, overlapping the worker's next pull: the queue stays
      // bounded because the next image's add() waits for it (removals are chained) before that image is pushed.
      if (image.id !== null) queue.release(image).catch(() => undefined);
    }
  }

  private async tagAndPush(refs: DockerCopyRefs, before: LocalBefore, image: QueuedImage, context: ExecutionContext): Promise<void> {
    const at = { host: refs.targetHost, reference: refs.target };
    try {
      await this.step('tag', at, refs, context, (options) => this.engine.tag(refs.source, refs.target, at, options));
    } finally {
      if (!before.targetExists) this.own(refs.target, image);
    }
    await this.step('push', at, refs, context, (options) => this.engine.push(refs.target, at, options));
  }

  /** Checked before pulling (one docker process, or requests in parallel), by image ID (the plan's config digest) and by reference. */
  private async localBefore(refs: DockerCopyRefs): Promise<LocalBefore> {
    const asked = [refs.source, refs.target, ...(refs.configDigest !== null ? [refs.configDigest] : [])];
    const [source = null, target = null, byId = null] = await this.engine.inspect(asked);
    for (const found of [byId, source]) {
      if (found !== null && !this.pulledImages.has(found.id)) this.usersImages.add(found.id);
    }
    const usersImage = [byId, source].some((found) => found !== null && this.usersImages.has(found.id));
    return {
      usersImage,
      sourceExists: source !== null && !this.createdReferences.has(refs.source),
      targetExists: target !== null && !this.createdReferences.has(refs.target),
      targetId: target !== null && !this.createdReferences.has(refs.target) ? target.id : null,
    };
  }

  /**
   * After the pull (also a failed or interrupted one): what it brought into the engine joins the queue (image.id
   * set), unless the image was the user's; then only the references the copy adds go, when it ends (putBack).
   * Resolves with the pulled image, null when there is none.
   */
  private async notePulled(refs: DockerCopyRefs, before: LocalBefore, image: QueuedImage, queue: RemovalQueue): Promise<LocalImage | null> {
    const [pulled = null] = await this.engine.inspect([refs.source]).catch(() => [null]);
    if (pulled === null) return null;
    if (!before.sourceExists) this.own(refs.source, image);
    if (before.usersImage || this.usersImages.has(pulled.id)) return pulled;
    image.id = pulled.id;
    this.pulledImages.add(pulled.id);
    await queue.add(image);
    return pulled;
  }

  /**
   * When the copy ends (done, failed or interrupted), the engine's references go back to what they were, except on
   * the image the run pulled (the queue removes it): a destination tag `docker tag` took from another image goes
   * back to it, and the references the copy added to the user's image are removed (`docker image rm REF`, which
   * only untags: the image keeps the names it had). An image that had no name at all before the run keeps its
   * source reference: removing the last reference would delete it, and an image from before the run never goes.
   */
  private async putBack(
    refs: DockerCopyRefs,
    before: LocalBefore,
    pulled: LocalImage | null,
    image: QueuedImage,
    tagged: boolean,
  ): Promise<void> {
    if (tagged && before.targetId !== null && before.targetId !== pulled?.id) await this.retag(refs.target, before.targetId);
    if (image.id !== null || pulled === null || image.references.length === 0) return;
    const keep = this.namedUsersImages.has(pulled.id) ? null : refs.source;
    const added = image.references.filter((reference) => reference !== keep && !this.heldReferences.has(reference));
    const failure = await this.engine.remove(added);
    if (failure !== null) this.options.warn(`could not remove a reference this run added: ${failure}`);
  }

  /**
   * Puts a tag back on the image it named before the copy. Untagged first: docker then also drops the digest
   * reference the push gave the copy's image in that repository (it goes once the repository has no tag on the image).
   */
  private async retag(reference: string, imageId: string): Promise<void> {
    const untagged = await this.engine.remove([reference]);
    const tagged = await this.engine.tag(imageId, reference, { reference }, {}).then(
      () => null,
      (error: unknown) => (error as Error).message,
    );
    if (untagged !== null || tagged !== null) {
      this.options.warn(`could not put ${reference} back on image ${imageId}: ${untagged ?? tagged ?? ''}`);
    }
  }

  private own(reference: string, image: QueuedImage): void {
    this.createdReferences.add(reference);
    if (!image.references.includes(reference)) image.references.push(reference);
  }

  private hold(refs: DockerCopyRefs, delta: 1 | -1): void {
    for (const reference of [refs.source, refs.target]) {
      const count = (this.heldReferences.get(reference) ?? 0) + delta;
      if (count > 0) this.heldReferences.set(reference, count);
      else this.heldReferences.delete(reference);
    }
  }

  /**
   * Runs one step of a copy: the docker command it is (what --dry-run prints) goes to the change's task, then the
   * engine's lines and bytes; the engine's error fails the change.
   */
  private async step(
    command: 'pull' | 'tag' | 'push',
    at: StepAt,
    refs: DockerCopyRefs,
    context: ExecutionContext,
    run: (options: { signal: AbortSignal; onLine: (line: string) => void; onBytes: (bytes: number) => void }) => Promise<void>,
  ): Promise<void> {
    if (context.signal.aborted)
      throw new RegsyncError(`docker ${command} ${at.reference} not started: interrupted`, {
        code: 'EXECUTOR',
        ...(at.host !== undefined ? { host: at.host } : {}),
        reference: at.reference,
      });
    context.progress.output(formatOperation({ kind: 'command', binary: this.options.binary, args: dockerCommands(refs)[command] }));
    // The API reports bytes per step; the change's progress is what its pull and push moved together.
    const base = command === 'push' ? (this.pulledBytes.get(refs) ?? 0) : 0;
    await run({
      signal: context.signal,
      onLine: (line) => context.progress.output(line),
      onBytes: (bytes) => {
        if (command === 'pull') this.pulledBytes.set(refs, bytes);
        context.progress.bytes(base + bytes);
      },
    });
  }

  private queueFor(mirror: string): RemovalQueue {
    let queue = this.queues.get(mirror);
    if (queue === undefined) {
      const limit = this.options.removalQueue?.[mirror] ?? DEFAULT_REMOVAL_QUEUE;
      queue = new RemovalQueue(limit, (image) => this.removeImage(image));
      this.queues.set(mirror, queue);
    }
    return queue;
  }

  /** Removes the image's references except those a running copy still uses (it queues them again when it ends). */
  private removeImage(image: QueuedImage): Promise<string | null> {
    return this.engine.remove(image.references.filter((reference) => !this.heldReferences.has(reference)));
  }
}
