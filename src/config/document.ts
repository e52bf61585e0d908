import type { ExecutorName } from './types.js';
import type { TlsMode } from '../oci/index.js';

/**
 * What users write: the config file's shape after ${VAR} expansion and schema validation, every field optional
 * where the schema allows. Only src/config sees these types; everything else gets the normalised Config.
 */

export interface UserRegistry {
  username?: string;
  password?: string;
  credentialHelper?: string;
  tls?: TlsMode;
  caFile?: string;
  maxConcurrency?: number;
  timeout?: string | number;
}

export interface UserRepositories {
  names?: string[];
  include?: string[];
  exclude?: string[];
}

export interface UserTags {
  include?: string[];
  exclude?: string[];
  semver?: string;
  prerelease?: boolean;
  maxAge?: string | number;
  minAge?: string | number;
  latest?: number;
}

export type UserRename = string | { match: string; replace: string };

/** Every mirror field that `defaults` may also hold. */
export interface UserMirrorSettings {
  executor?: ExecutorName;
  repositories?: UserRepositories;
  tags?: UserTags;
  rename?: UserRename;
  platforms?: string[];
  overwrite?: boolean;
  prune?: boolean;
  removalQueue?: number;
  referrers?: UserReferrers;
}

export type UserReferrers = boolean | { artifactTypes?: string[]; legacyCosignTags?: boolean };

export interface UserMirror extends UserMirrorSettings {
  name: string;
  source: string;
  destination: string;
}

export interface UserConfig {
  version?: 1;
  registries?: Record<string, UserRegistry>;
  defaults?: UserMirrorSettings;
  mirrors: UserMirror[];
}
