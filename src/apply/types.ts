/**
 * The apply layer's contract: a Plan goes in, an ApplyResult comes out. The runner (verify, schedule, listr2 tasks)
 * and the executors (docker, registry) meet at `Executor`; neither filters, re-diffs or adds changes.
 */
import type { Config } from '../config/types.js';
import type { Action, Change } from '../plan/types.js';
import type { BlobHolders, CopyShares, Registry, RegistryPool } from '../registry/index.js';
import type { Operation } from './operations.js';

/**
 * What became of one change. `present`: the destination already was what the change would make it (nothing
 * written); `stale`: its source or destination moved since the plan; `skipped`: never started.
 */
export type ChangeStatus = 'done' | 'present' | 'failed' | 'stale' | 'skipped';

/** One change's outcome, as the apply result JSON (schemas/apply-result.schema.json) writes it. */
export interface ChangeResult {
  id: string;
  action: Action;
  status: ChangeStatus;
  /** A one-line message naming host, reference and cause; null unless failed or stale. */
  error: string | null;
  durationMs: number;
  /** Bytes moved for this change (uploaded blobs and manifests; 0 for a delete or a skip). */
  bytes: number;
}

export interface ApplySummary {
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  /** Changes already as planned at the destination (a plan applied twice): not counted as created/updated/deleted. */
  present: number;
  stale: number;
  skipped: number;
}

/** `regsync apply --json`, formatVersion 1. */
export interface ApplyResult {
  formatVersion: 1;
  regsyncVersion: string;
  /** sha256 of the config the plan was made from (the plan's configDigest). */
  configDigest: string;
  startedAt: string;
  durationMs: number;
  interrupted: boolean;
  changes: ChangeResult[];
  summary: ApplySummary;
  /** Images whose referrers this run copied, each with the proof: listed at the destination against the plan's count. */
  images?: ImageReferrersResult[];
}

/** One image's referrers after apply: `expected` the plan names (created or already there), `present` the destination lists. */
export interface ImageReferrersResult {
  /** The image's destination ref (`host/repository:tag`). */
  ref: string;
  referrers: { expected: number; present: number };
}

/** How an executor reports progress to the task tree; it never writes to stdout or stderr itself. */
export interface ChangeProgress {
  /** One line of output (a docker command, a blob copied), shown under the change's task. */
  output(line: string): void;
  /** Bytes of the current image moved so far. */
  bytes(total: number): void;
  /** Something the user must read (content copied as it is despite a flaw): shown under the task, repeated on stderr after the run. */
  warning(line: string): void;
}

/** One end of a change resolved against the config: the client for its endpoint and the parsed location there. */
export interface ResolvedLocation {
  /** The registry client (HTTP host or ocidir directory), shared through the run's RegistryPool. */
  registry: Registry;
  scheme: 'registry' | 'ocidir';
  /** host[:port] for a registry, the absolute directory for ocidir. */
  location: string;
  repository: string;
  tag: string | null;
}

export interface ExecutionContext {
  /** Aborted on an interrupt; an executor stops what it has in flight and rejects. */
  signal: AbortSignal;
  progress: ChangeProgress;
  /** `change.source` resolved (a copy always has a source). */
  source: ResolvedLocation;
  /** `change.target` resolved. */
  target: ResolvedLocation;
  /**
   * Tags of the target repository the plan copies as tags (create, update or noop): a `sha256-<hex>` fallback tag
   * among them is owned by its tag change, and the referrers step does not write it (apply/fallback-index.ts).
   */
  tagsCopied?: Pick<ReadonlySet<string>, 'has'>;
}

/** What an executor is built from: the config (credentials, TLS, removalQueue per mirror), the environment, the pool. */
export interface ExecutorDeps {
  config: Config;
  env: NodeJS.ProcessEnv;
  pool: RegistryPool;
  /** The docker CLI to run: --docker PATH, else $DOCKER, else `docker` (podman's docker-compatible CLI works too). */
  dockerBinary: string;
  /** A line for the user (stderr, `regsync: warning: ...`); never stdout. */
  warn(line: string): void;
  /**
   * What the run's copies share (src/run/context.ts): which repositories hold a blob, the writes in flight. Without
   * them the executor keeps its own, which live as long as it does.
   */
  copyState?: { holders: BlobHolders; shares: CopyShares };
  /** A plain line for the user on stderr (the docker executor says how it reaches the engine). */
  info?(line: string): void;
}

/** Each executor file exports one of these (executors/registry.ts, executors/docker.ts). */
export type ExecutorFactory = (deps: ExecutorDeps) => Executor;

/**
 * One way of carrying out the copies of a plan (create and update changes; deletes go through the registry API
 * whatever the executor). The runner has already checked both ends (compare and swap) before `copy` is called.
 */
export interface Executor {
  readonly name: Change['executor'];
  /** Checked once before the first change (docker: the engine answers `docker version`). */
  prepare(signal: AbortSignal): Promise<void>;
  /** The operations `copy` carries out for this change, as values (--dry-run prints them with formatOperation). */
  describe(change: Change): Operation[];
  /** Copies `change.source` by digest to `change.target`; resolves with the bytes moved. */
  copy(change: Change, context: ExecutionContext): Promise<{ bytes: number }>;
  /** Runs once when the apply ends, also after failures and interrupts (docker: drains the removal queue). */
  close(): Promise<void>;
}
