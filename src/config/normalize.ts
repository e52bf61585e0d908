import path from 'node:path';
import { isDockerHub } from '../oci/index.js';
import { durationValueMs } from '../util/duration.js';
import { InvariantError } from '../util/errors.js';
import type { UserConfig, UserMirror, UserMirrorSettings, UserRegistry, UserTags } from './document.js';
import { parseEndpoint } from './endpoint.js';
import { DEFAULT_MAX_CONCURRENCY, DEFAULT_REGISTRY_TIMEOUT, DEFAULT_REMOVAL_QUEUE } from './types.js';
import type { Config, Duration, MirrorConfig, ReferrersSettings, RegistrySettings, RenameRule } from './types.js';

/**
 * The one place where what the user wrote becomes the normalised Config: defaults merged into every mirror
 * (tags and repositories field by field), built-in defaults filled in, durations parsed, endpoints split,
 * relative paths resolved against `baseDir`. Input must already be expanded and validated.
 */
export function normalizeConfig(doc: UserConfig, options: { file: string | null; baseDir: string }): Config {
  const defaults = doc.defaults ?? {};
  const mirrors = doc.mirrors.map((mirror) => normalizeMirror(mergeMirror(defaults, mirror), options.baseDir));
  const registries: Record<string, RegistrySettings> = {};
  for (const [host, settings] of Object.entries(doc.registries ?? {})) {
    registries[host] = normalizeRegistry(host, settings, options.baseDir);
  }
  // Every host a mirror uses gets an entry, so downstream code never has to invent defaults; Docker Hub written
  // under another of its names (registries."index.docker.io" for source: docker.io/library) already has one, which
  // the registry pool finds under any name: a default entry here would hide it.
  const hubConfigured = Object.keys(registries).some(isDockerHub);
  for (const mirror of mirrors) {
    for (const endpoint of [mirror.source, mirror.destination]) {
      if (endpoint.scheme !== 'registry' || registries[endpoint.host] !== undefined) continue;
      if (hubConfigured && isDockerHub(endpoint.host)) continue;
      registries[endpoint.host] = normalizeRegistry(endpoint.host, {}, options.baseDir);
    }
  }
  return { version: 1, file: options.file, registries, mirrors };
}

/** A mirror's own fields win over defaults; nested selections merge field by field. */
function mergeMirror(defaults: UserMirrorSettings, mirror: UserMirror): UserMirror {
  const merged: UserMirror = { ...defaults, ...mirror };
  if (defaults.tags !== undefined || mirror.tags !== undefined) merged.tags = { ...defaults.tags, ...mirror.tags };
  if (defaults.repositories !== undefined || mirror.repositories !== undefined) {
    merged.repositories = { ...defaults.repositories, ...mirror.repositories };
  }
  return merged;
}

function normalizeMirror(mirror: UserMirror, baseDir: string): MirrorConfig {
  const tags: UserTags = mirror.tags ?? {};
  const repositories = mirror.repositories ?? {};
  return {
    name: mirror.name,
    source: parseEndpoint(mirror.source, baseDir),
    destination: parseEndpoint(mirror.destination, baseDir),
    executor: mirror.executor ?? 'docker',
    repositories: {
      names: repositories.names ?? null,
      include: repositories.include ?? [],
      exclude: repositories.exclude ?? [],
    },
    tags: {
      include: tags.include ?? ['.*'],
      exclude: tags.exclude ?? [],
      semver: tags.semver ?? null,
      prerelease: tags.prerelease ?? false,
      maxAge: toDuration(tags.maxAge),
      minAge: toDuration(tags.minAge),
      latest: tags.latest ?? null,
    },
    rename: toRename(mirror.rename),
    platforms: mirror.platforms ?? null,
    overwrite: mirror.overwrite ?? true,
    prune: mirror.prune ?? false,
    removalQueue: mirror.removalQueue ?? DEFAULT_REMOVAL_QUEUE,
    referrers: toReferrers(mirror.referrers),
  };
}

/** `true` is every referrer with legacy cosign tags; an object narrows it; false or absent copies none. */
function toReferrers(raw: UserMirror['referrers']): ReferrersSettings | null {
  if (raw === undefined || raw === false) return null;
  if (raw === true) return { artifactTypes: null, legacyCosignTags: true };
  return { artifactTypes: raw.artifactTypes ?? null, legacyCosignTags: raw.legacyCosignTags ?? true };
}

function normalizeRegistry(host: string, settings: UserRegistry, baseDir: string): RegistrySettings {
  return {
    host,
    username: settings.username ?? null,
    password: settings.password ?? null,
    credentialHelper: settings.credentialHelper ?? null,
    tls: settings.tls ?? null,
    caFile: settings.caFile === undefined ? null : path.resolve(baseDir, settings.caFile),
    maxConcurrency: settings.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    timeout: toDuration(settings.timeout ?? DEFAULT_REGISTRY_TIMEOUT),
  };
}

function toDuration(raw: string | number): Duration;
function toDuration(raw: string | number | undefined): Duration | null;
function toDuration(raw: string | number | undefined): Duration | null {
  if (raw === undefined) return null;
  const ms = durationValueMs(raw);
  // Validation (the same durationValueMs) has already rejected anything refused here; this guards callers that skip it.
  if (ms === null) throw new InvariantError('durations are validated before normalisation', `got ${JSON.stringify(raw)}`);
  return { text: String(raw), ms };
}

function toRename(raw: UserMirror['rename']): RenameRule | null {
  if (raw === undefined) return null;
  if (typeof raw === 'string') return { kind: 'template', template: raw };
  return { kind: 'regex', match: raw.match, replace: raw.replace };
}
