import type { Config } from '../config/types.js';
import { openFactsCache, resolveCacheDir } from '../inventory/index.js';
import type { FactsCache, ManifestFacts } from '../inventory/index.js';
import { BlobHolders, ContentMemo, CopyShares, ExtraCaCertificates } from '../registry/index.js';
import type { RateLimitSource, RegistryPool, RetryNotice } from '../registry/index.js';
import { KeyedInflight } from '../util/keyed-inflight.js';
import { RegsyncError } from '../util/errors.js';
import { createPoolForConfig } from './pool.js';

export interface RunContextOptions {
  env: NodeJS.ProcessEnv;
  /** Where a host's credentials came from, in the command's words (commands/error-advice.ts). */
  credentialsSource?: (host: string) => string;
  /** A facts cache that cannot be read or written (shown with --verbose); absent: not said. */
  cacheWarning?: (line: string) => void;
}

/** What the registry client of one phase (the plan's reads, the apply's copies) tells its caller. */
export interface PoolEvents {
  /** Debug lines from the client (already redacted by it); --verbose. */
  log?: (line: string) => void;
  /** Told before each retried request. */
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * Everything one run (a plan, or an apply with its plan) shares, created by the run and closed by it: the pools it
 * opens (with each host's tokens, connections and rate-limit tracker), the memo of what the plan read for the
 * copies, the blob holders and writes in flight of the copies, the NODE_EXTRA_CA_CERTS file read once, the facts
 * cache and its reads in flight. Nothing of it lives in a module: two runs in one process share nothing.
 */
export class RunContext {
  readonly memo = new ContentMemo();
  readonly holders = new BlobHolders();
  readonly shares = new CopyShares();
  readonly factsInFlight = new KeyedInflight<ManifestFacts>();
  readonly extraCa: ExtraCaCertificates;
  private readonly pools = new Set<RegistryPool & RateLimitSource>();
  private cache: Promise<FactsCache> | null = null;
  private closed = false;

  constructor(
    readonly config: Config,
    private readonly options: RunContextOptions,
  ) {
    this.extraCa = new ExtraCaCertificates(options.env);
  }

  get env(): NodeJS.ProcessEnv {
    return this.options.env;
  }

  /** A registry pool for one phase of the run; closed by `closePool` or, at the latest, by `close`. */
  openPool(events: PoolEvents = {}): RegistryPool & RateLimitSource {
    if (this.closed) throw new RegsyncError('this run is closed: no registry can be opened for it', { code: 'INTERNAL' });
    const pool = createPoolForConfig(this.config, {
      env: this.options.env,
      memo: this.memo,
      extraCa: this.extraCa,
      ...(this.options.credentialsSource ? { credentialsSource: this.options.credentialsSource } : {}),
      ...(events.log ? { logger: events.log } : {}),
      ...(events.onRetry ? { onRetry: events.onRetry } : {}),
    });
    this.pools.add(pool);
    return pool;
  }

  async closePool(pool: RegistryPool): Promise<void> {
    for (const open of this.pools) if (open === pool) this.pools.delete(open);
    await pool.close();
  }

  /** The facts cache of the run, opened (read from disk) once. */
  factsCache(): Promise<FactsCache> {
    this.cache ??= openFactsCache({
      dir: resolveCacheDir(this.options.env),
      ...(this.options.cacheWarning ? { warn: this.options.cacheWarning } : {}),
    });
    return this.cache;
  }

  /** Closes every pool the run still has open; the run can open none after this. */
  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  /** Whether `close` ran (tests). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Pools open now (tests check that close leaves none). */
  get openPools(): number {
    return this.pools.size;
  }
}

/** The context of one run of `config`. */
export function openRunContext(config: Config, options: RunContextOptions): RunContext {
  return new RunContext(config, options);
}
