/**
 * Plain-data builders for planner tests: a MirrorConfig with defaults, and a MirrorInventory written as
 * "this repository has these tags pointing at this content". Digests are sha256 of readable labels, so a test
 * says `content: 'app1-v1'` and two tags with the same content share a digest.
 */
import { createHash } from 'node:crypto';
import type { Config, Duration, MirrorConfig, RepositorySelection, TagSelection } from '../../src/config/types.js';
import { buildPlan } from '../../src/plan/diff.js';
import { mapRepository } from '../../src/plan/rename.js';
import { setOwnEntry } from '../../src/util/records.js';
import type { HostRateLimit, MirrorInventory, Plan, PlatformFacts, ReadFailure, RepositoryFacts, TagFacts } from '../../src/plan/types.js';
import type { PlatformChild } from '../../src/oci/platforms.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

/** A stable fake digest for a label. */
export function digestOf(label: string): string {
  return `sha256:${createHash('sha256').update(label).digest('hex')}`;
}
/** Digest of the manifest of an image built by the builder from `content` (or `manifest` when re-encoded). */
export const manifestDigest = (content: string): string => digestOf(`manifest:${content}`);
export const configDigest = (content: string): string => digestOf(`config:${content}`);
export const indexDigest = (content: string): string => digestOf(`index:${content}`);

export function days(n: number): Duration {
  return { text: `${n}d`, ms: n * 86_400_000 };
}

export type MirrorOverrides = Partial<Omit<MirrorConfig, 'tags' | 'repositories'>> & {
  tags?: Partial<TagSelection>;
  repositories?: Partial<RepositorySelection>;
};

/** A registry-executor mirror from 127.0.0.1:5000/team to 127.0.0.1:5001/mirror, everything else default. */
export function mirrorConfig(overrides: MirrorOverrides = {}): MirrorConfig {
  const { tags, repositories, ...rest } = overrides;
  return {
    name: 'apps',
    source: { scheme: 'registry', host: '127.0.0.1:5000', prefix: 'team' },
    destination: { scheme: 'registry', host: '127.0.0.1:5001', prefix: 'mirror' },
    executor: 'registry',
    rename: null,
    platforms: null,
    overwrite: true,
    prune: false,
    removalQueue: 20,
    referrers: null,
    ...rest,
    repositories: { names: null, include: [], exclude: [], ...repositories },
    tags: { include: [], exclude: [], semver: null, prerelease: false, maxAge: null, minAge: null, latest: null, ...tags },
  };
}

export interface ImageSpec {
  content: string;
  created?: string | null;
  /** Default linux/amd64; null for an artifact (or an index child that declares no platform). */
  platform?: string | null;
  /** For an attestation child (platform unknown/unknown): the content label of the child it describes. */
  describes?: string;
  artifactType?: string;
  /** Label of the manifest when it differs from the content's (a docker push re-encodes layers). */
  manifest?: string;
  mediaType?: string;
}

export interface IndexSpec {
  content: string;
  children: ImageSpec[];
  artifactType?: string;
  /** Why children could not be read, as the inventory reports it. */
  unusable?: string[];
}

function platformFacts(spec: ImageSpec): PlatformFacts[] {
  const platform = spec.platform === undefined ? 'linux/amd64' : spec.platform;
  if (platform === null || platform === 'unknown/unknown') return [];
  const created = spec.created ?? null;
  return [{ platform, manifestDigest: manifestDigest(spec.manifest ?? spec.content), configDigest: configDigest(spec.content), created }];
}

function childOf(spec: ImageSpec): PlatformChild {
  const platform = spec.platform === undefined ? 'linux/amd64' : spec.platform;
  const describes = spec.describes === undefined ? null : manifestDigest(spec.describes);
  return { digest: manifestDigest(spec.manifest ?? spec.content), platform, describes };
}

/** One repository's tags and facts. */
export class RepoBuilder {
  private readonly tags: string[] = [];
  private readonly facts: Record<string, TagFacts> = {};

  constructor(private readonly repository: string) {}

  /** A single-platform image with full facts (platforms read). */
  image(tag: string, spec: ImageSpec | string, created: string | null = null): this {
    const full = typeof spec === 'string' ? { content: spec, created } : spec;
    return this.put(tag, {
      digest: manifestDigest(full.manifest ?? full.content),
      mediaType: full.mediaType ?? OCI_MANIFEST,
      isIndex: false,
      platforms: platformFacts(full),
      artifactType: full.artifactType ?? null,
      configDigest: configDigest(full.content),
      unusable: [],
    });
  }

  /** A multi-platform index with its children's facts (children of a real platform are images, as read). */
  index(tag: string, spec: IndexSpec): this {
    return this.put(tag, {
      digest: indexDigest(spec.content),
      mediaType: OCI_INDEX,
      isIndex: true,
      platforms: spec.children.flatMap(platformFacts),
      children: spec.children.map(childOf),
      artifactType: spec.artifactType ?? null,
      unusable: spec.unusable ?? [],
    });
  }

  /** A tag whose manifest was only HEADed: digest and media type, no platforms. */
  head(tag: string, content: string, isIndex = false): this {
    return this.put(tag, {
      digest: isIndex ? indexDigest(content) : manifestDigest(content),
      mediaType: isIndex ? OCI_INDEX : OCI_MANIFEST,
      isIndex,
    });
  }

  /** A tag that was listed but not read. */
  listedOnly(tag: string): this {
    this.tags.push(tag);
    return this;
  }

  private put(tag: string, facts: TagFacts): this {
    this.tags.push(tag);
    setOwnEntry(this.facts, tag, facts);
    return this;
  }

  build(): RepositoryFacts {
    return { repository: this.repository, exists: this.tags.length > 0, tags: [...this.tags], facts: { ...this.facts } };
  }
}

function join(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/');
}

/** A MirrorInventory for one mirror. Destinations of un-renamed source repositories default to empty. */
export class InventoryBuilder {
  private readonly sources = new Map<string, RepoBuilder>();
  private readonly destinations = new Map<string, RepoBuilder>();
  private listed: string[] | null = null;
  private catalogSize: number | null = null;

  constructor(private readonly mirror: MirrorConfig) {}

  /** A source repository, relative to the source prefix. */
  source(relative: string, fill: (repo: RepoBuilder) => unknown = () => undefined): this {
    const repo = new RepoBuilder(join(this.mirror.source.prefix, relative));
    fill(repo);
    this.sources.set(relative, repo);
    return this;
  }

  /** A destination repository, by full path. */
  destination(repository: string, fill: (repo: RepoBuilder) => unknown = () => undefined): this {
    const repo = new RepoBuilder(repository);
    fill(repo);
    this.destinations.set(repository, repo);
    return this;
  }

  /** What the catalog listed under the prefix (default: the source repositories added). */
  catalog(...relative: string[]): this {
    this.listed = relative;
    return this;
  }

  /** How many repositories the whole catalog listed (default: as many as under the prefix; null with names). */
  catalogOf(size: number): this {
    this.catalogSize = size;
    return this;
  }

  build(): MirrorInventory {
    const source = Object.fromEntries([...this.sources].map(([k, v]) => [k, v.build()]));
    const destination = Object.fromEntries([...this.destinations].map(([k, v]) => [k, v.build()]));
    if (this.mirror.rename === null) {
      for (const relative of this.sources.keys()) {
        const mapped = mapRepository(this.mirror, relative);
        const path = 'repository' in mapped ? mapped.repository : join(this.mirror.destination.prefix, relative);
        destination[path] ??= { repository: path, exists: false, tags: [], facts: {} };
      }
    }
    const sourceRepositories = this.listed ?? [...this.sources.keys()];
    const catalogSize = this.mirror.repositories.names === null ? (this.catalogSize ?? sourceRepositories.length) : null;
    return { mirror: this.mirror.name, sourceRepositories, catalogSize, source, destination };
  }
}

export function inventoryFor(mirror: MirrorConfig): InventoryBuilder {
  return new InventoryBuilder(mirror);
}

export function configOf(...mirrors: MirrorConfig[]): Config {
  return { version: 1, file: null, registries: {}, mirrors };
}

export const NOW = new Date('2026-11-28T10:00:00.000Z');

/** buildPlan with fixed version, digest, stats and now. */
export function planOf(
  mirrors: MirrorConfig[],
  inventories: MirrorInventory[],
  options: {
    now?: Date;
    only?: string[];
    shard?: { index: number; count: number };
    rateLimits?: Record<string, HostRateLimit>;
    failures?: ReadFailure[];
  } = {},
): { plan: Plan; problems: string[] } {
  return buildPlan({
    config: configOf(...mirrors),
    inventory: { mirrors: inventories, ...(options.failures === undefined ? {} : { failures: options.failures }) },
    now: options.now ?? NOW,
    regsyncVersion: '0.1.0',
    configDigest: digestOf('config-file'),
    stats: { requests: 31, durationMs: 412 },
    ...(options.only === undefined ? {} : { mirrors: options.only }),
    ...(options.shard === undefined ? {} : { shard: options.shard }),
    ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
  });
}

/** `action reason target-ref` lines: a compact, readable thing to assert on. */
export function actions(plan: Plan): string[] {
  return plan.changes.map((c) => `${c.action} ${c.reason} ${c.target.ref}`);
}

/** `filter ref` lines of the skipped entries. */
export function skips(plan: Plan): string[] {
  return plan.skipped.map((s) => `${s.filter} ${s.ref}`);
}

/**
 * A nightly-build repository of `count` tags, all already at the destination, pruned, every tag ending in 5
 * excluded (so 10% are deletes): the large-repository case of the scale test and bench/plan-scale.ts.
 */
export function nightlyRepository(count: number): { mirror: MirrorConfig; inventory: MirrorInventory } {
  const tags = Array.from({ length: count }, (_, i) => `nightly-${String(i).padStart(6, '0')}`);
  const mirror = mirrorConfig({ prune: true, tags: { exclude: ['5$'] } });
  const inventory = inventoryFor(mirror)
    .source('app1', (r) => tags.forEach((tag) => r.head(tag, tag)))
    .destination('mirror/app1', (r) => tags.forEach((tag) => r.head(tag, tag)))
    .build();
  return { mirror, inventory };
}
