import type { TlsMode } from '../oci/index.js';

/**
 * The normalised configuration: every default merged, every ${VAR} expanded, every duration parsed.
 * Code outside src/config only ever sees these types, never what the user wrote.
 */

/** How apply copies an image: pull/tag/push through a Docker engine, or registry to registry. */
export type ExecutorName = 'docker' | 'registry';

/** Where images live: an HTTP registry (host[:port]) or a directory of OCI layouts (ocidir://PATH). */
export type Endpoint =
  | { scheme: 'registry'; host: string; prefix: string }
  | {
      scheme: 'ocidir';
      /** Absolute directory, for I/O. */
      path: string;
      prefix: string;
      /** `ocidir://…` as the user wrote it: refs in plans use it so a plan reads the same on every checkout. */
      written?: string;
    };

/** Settings for one registry host, keyed in Config.registries by host[:port] exactly as written. */
export interface RegistrySettings {
  host: string;
  username: string | null;
  password: string | null;
  credentialHelper: string | null;
  /** null: not set by the user; the client defaults loopback hosts to plain HTTP, others to verified TLS. */
  tls: TlsMode | null;
  /** Absolute path. */
  caFile: string | null;
  maxConcurrency: number;
  /** Longest wait for response headers or the next body bytes. */
  timeout: Duration;
}

/** A duration as the user wrote it and in milliseconds. */
export interface Duration {
  text: string;
  ms: number;
}

export type RenameRule = { kind: 'template'; template: string } | { kind: 'regex'; match: string; replace: string };

export interface TagSelection {
  include: string[];
  exclude: string[];
  semver: string | null;
  /** true admits prerelease versions (`2.0.0-rc.1`) to every semver range; false: npm semver's rule. */
  prerelease: boolean;
  maxAge: Duration | null;
  minAge: Duration | null;
  latest: number | null;
}

export interface RepositorySelection {
  /** Explicit repositories relative to the source prefix; null means "list the source catalog". */
  names: string[] | null;
  include: string[];
  exclude: string[];
}

export interface MirrorConfig {
  name: string;
  source: Endpoint;
  destination: Endpoint;
  executor: ExecutorName;
  repositories: RepositorySelection;
  tags: TagSelection;
  rename: RenameRule | null;
  /** e.g. ["linux/amd64", "linux/arm64"]; null means all platforms. */
  platforms: string[] | null;
  overwrite: boolean;
  prune: boolean;
  removalQueue: number;
  /** null: referrers are not copied (the default, so an up-to-date mirror costs no referrer listings). */
  referrers: ReferrersSettings | null;
}

/** Which referrers (signatures, SBOMs, attestations: manifests whose `subject` is a copied image) travel. */
export interface ReferrersSettings {
  /** Only referrers of these artifact types; null: all. */
  artifactTypes: string[] | null;
  /** Also cosign's legacy tags sha256-<hex>.sig, .att and .sbom. */
  legacyCosignTags: boolean;
}

export interface Config {
  version: 1;
  /** Absolute path of the file the config came from, or null when built from command-line flags. */
  file: string | null;
  registries: Record<string, RegistrySettings>;
  mirrors: MirrorConfig[];
}

export const DEFAULT_MAX_CONCURRENCY = 8;
export const DEFAULT_REGISTRY_TIMEOUT = '30s';
export const DEFAULT_REMOVAL_QUEUE = 20;
