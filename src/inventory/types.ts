import type { Config, MirrorConfig } from '../config/types.js';
import type { TagFacts } from '../plan/types.js';
import type { RegistryPool } from '../registry/index.js';
import type { FactsCache, ManifestFacts } from './facts-cache.js';
import type { KeyedInflight } from '../util/keyed-inflight.js';

/**
 * The planner's pure selection functions, injected by the command: the inventory reads only what
 * the selection keeps, but never decides itself (ARCHITECTURE.md: inventory gathers, plan decides).
 */
export interface InventorySelection {
  selectRepositories(mirror: MirrorConfig, listed: string[]): { selected: string[] };
  matchTagNames(mirror: MirrorConfig, tags: string[]): { kept: string[] };
  mapRepository(mirror: MirrorConfig, sourceRepository: string): { repository: string } | { error: string };
  needsImageFacts(mirror: MirrorConfig): boolean;
  /** Date filters (maxAge, minAge, latest): most listed tags are read only to be dropped, run after run. */
  needsCreatedDate(mirror: MirrorConfig): boolean;
  /** Of the name-kept tags, those the planner selects once their facts are read (platforms, date filters). */
  selectTags(mirror: MirrorConfig, kept: readonly string[], facts: Record<string, TagFacts>): string[];
  /** Whether the mirror carries cosign's legacy tags with its images (`referrers`, unless `legacyCosignTags: false`). */
  carriesLegacyCosignTags(mirror: MirrorConfig): boolean;
  /**
   * The listed legacy cosign tags (`sha256-<hex>.sig|.att|.sbom`) that travel with the selected tags, whatever the
   * tag filters say of their names; empty for a mirror that does not carry them.
   */
  legacyCosignTags(mirror: MirrorConfig, listed: readonly string[], selected: readonly string[], facts: Record<string, TagFacts>): string[];
  dockerPlatform(mirror: MirrorConfig): string;
  /**
   * True when the destination's tag is certainly up to date from the digests alone (plan/compare.ts): such a
   * source tag is not described (no facts read beyond its HEAD). null: the destination has no such tag.
   */
  sameDigest(source: TagFacts, destination: TagFacts | null): boolean;
}

/** Progress for a listr2 task or a counter line; never needed for correctness. */
export type InventoryEvent =
  | { kind: 'mirror-start'; mirror: string }
  | { kind: 'repositories'; mirror: string; total: number }
  | { kind: 'repository-done'; mirror: string; repository: string; done: number; total: number; tags: number }
  | { kind: 'mirror-done'; mirror: string; repositories: number; tags: number };

export interface GatherOptions {
  config: Config;
  /** The mirrors to gather, in output order (the command applies --mirror). */
  mirrors: MirrorConfig[];
  pool: RegistryPool;
  selection: InventorySelection;
  /**
   * The facts cache, or its opening: a plan starts its requests while the file is read (a large cache takes a
   * while to parse), and waits for it only where a tag needs facts.
   */
  cache: FactsCache | Promise<FactsCache>;
  /** Manifest reads in flight, shared by every mirror of the run; the run owns it (src/run/context.ts). */
  factsInFlight?: KeyedInflight<ManifestFacts>;
  onProgress?: (event: InventoryEvent) => void;
  /** Registry reads in flight per host, across all mirrors; the pool also caps each host's connections. Default 32. */
  concurrency?: number;
  /** Aborted at the first failed read: the reads in flight are cancelled (the command then prints no more retries). */
  cancel?: AbortController;
}
