import { Document } from 'yaml';
import type { UserConfig, UserMirror, UserRegistry, UserTags } from './document.js';
import { formatEndpoint } from './endpoint.js';
import { DEFAULT_REGISTRY_TIMEOUT } from './types.js';
import type { Config, MirrorConfig, RegistrySettings } from './types.js';

const MASK = '***';

export interface PrintOptions {
  /** Values never to print: any field holding one is masked. */
  secrets: readonly string[];
  /**
   * What to print instead of a credential, e.g. "${SYNC_SRC_PASSWORD}" so flags become a usable file; null or
   * absent prints `***`.
   */
  placeholder?: (host: string, field: 'username' | 'password') => string | null;
  /** Comment lines printed above the document. */
  header?: string[];
}

/**
 * The effective config as YAML in the file's own shape (so the output is itself a valid regsync.yaml): every
 * default filled in, durations as written, every secret replaced.
 */
export function renderConfigYaml(config: Config, options: PrintOptions): string {
  const document = new Document(toUserDocument(config, options));
  if (options.header !== undefined && options.header.length > 0) {
    document.commentBefore = options.header.map((line) => ` ${line}`).join('\n');
  }
  return document.toString({ lineWidth: 0 });
}

/** Config → the user-facing shape with all values explicit and secrets masked. */
function toUserDocument(config: Config, options: PrintOptions): UserConfig {
  const secrets = new Set(options.secrets);
  const registries: Record<string, UserRegistry> = {};
  for (const [host, settings] of Object.entries(config.registries)) {
    registries[host] = printRegistry(settings, secrets, options.placeholder);
  }
  const out: UserConfig = { version: 1, mirrors: config.mirrors.map(printMirror) };
  if (Object.keys(registries).length > 0) out.registries = registries;
  // Keep `version` first and `mirrors` last, as people write them.
  return { version: out.version, ...(out.registries === undefined ? {} : { registries: out.registries }), mirrors: out.mirrors };
}

function printRegistry(settings: RegistrySettings, secrets: ReadonlySet<string>, placeholder: PrintOptions['placeholder']): UserRegistry {
  const out: UserRegistry = {};
  const credential = (field: 'username' | 'password', value: string): string => {
    const replacement = placeholder?.(settings.host, field) ?? null;
    if (replacement !== null) return replacement;
    return field === 'password' || secrets.has(value) ? MASK : value;
  };
  if (settings.username !== null) out.username = credential('username', settings.username);
  if (settings.password !== null) out.password = credential('password', settings.password);
  if (settings.credentialHelper !== null) out.credentialHelper = settings.credentialHelper;
  if (settings.tls !== null) out.tls = settings.tls;
  if (settings.caFile !== null) out.caFile = settings.caFile;
  out.maxConcurrency = settings.maxConcurrency;
  // Printed only when changed, so configs and seeds that never mention it print as before.
  if (settings.timeout.text !== DEFAULT_REGISTRY_TIMEOUT) out.timeout = settings.timeout.text;
  return out;
}

function printMirror(mirror: MirrorConfig): UserMirror {
  const tags: UserTags = { include: mirror.tags.include, exclude: mirror.tags.exclude };
  if (mirror.tags.semver !== null) tags.semver = mirror.tags.semver;
  if (mirror.tags.prerelease) tags.prerelease = true;
  if (mirror.tags.maxAge !== null) tags.maxAge = mirror.tags.maxAge.text;
  if (mirror.tags.minAge !== null) tags.minAge = mirror.tags.minAge.text;
  if (mirror.tags.latest !== null) tags.latest = mirror.tags.latest;
  const out: UserMirror = {
    name: mirror.name,
    source: formatEndpoint(mirror.source, { resolved: true }),
    destination: formatEndpoint(mirror.destination, { resolved: true }),
    executor: mirror.executor,
    repositories: {
      ...(mirror.repositories.names === null ? {} : { names: mirror.repositories.names }),
      include: mirror.repositories.include,
      exclude: mirror.repositories.exclude,
    },
    tags,
  };
  if (mirror.rename !== null) {
    out.rename =
      mirror.rename.kind === 'template' ? mirror.rename.template : { match: mirror.rename.match, replace: mirror.rename.replace };
  }
  if (mirror.platforms !== null) out.platforms = mirror.platforms;
  out.overwrite = mirror.overwrite;
  out.prune = mirror.prune;
  out.removalQueue = mirror.removalQueue;
  if (mirror.referrers !== null) {
    const { artifactTypes, legacyCosignTags } = mirror.referrers;
    out.referrers = { ...(artifactTypes === null ? {} : { artifactTypes }), legacyCosignTags };
  }
  return out;
}
