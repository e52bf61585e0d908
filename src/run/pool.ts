import type { Config, RegistrySettings } from '../config/types.js';
import { createOcidirRegistry, createRegistryPool, effectiveTls, ExtraCaCertificates, findHostOptions } from '../registry/index.js';
import type { ContentMemo, HostOptions, RateLimitSource, RegistryPool, RetryNotice } from '../registry/index.js';

/** One host's normalised config settings as the registry client's options. */
export function hostOptions(settings: RegistrySettings): HostOptions {
  return {
    username: settings.username,
    password: settings.password,
    credentialHelper: settings.credentialHelper,
    tls: settings.tls,
    caFile: settings.caFile,
    maxConcurrency: settings.maxConcurrency,
    timeout: settings.timeout.ms,
  };
}

/**
 * Config `registries` → the pool's per-host options, keyed as written (the pool finds Docker Hub's settings under any of its names).
 * `credentialsSource` words where a host's username/password came from, for "authentication failed" errors: that
 * wording belongs to the command (a config file or sync.sh flags), so the command passes it in.
 */
export function hostOptionsFromConfig(config: Config, credentialsSource?: (host: string) => string): Record<string, HostOptions> {
  const hosts: Record<string, HostOptions> = {};
  for (const [host, settings] of Object.entries(config.registries)) {
    hosts[host] = { ...hostOptions(settings), ...(credentialsSource ? { credentialsSource: credentialsSource(host) } : {}) };
  }
  return hosts;
}

export interface PoolForConfigOptions {
  env: NodeJS.ProcessEnv;
  /** Debug lines from the client (already redacted by it); shown with --verbose. */
  logger?: (line: string) => void;
  /** Told before each retried request; plan and apply print it on stderr unless -q. */
  onRetry?: (notice: RetryNotice) => void;
  /** apply passes one memo to its plan's pool and its copies' pool (registry/content-memo.ts). */
  memo?: ContentMemo;
  /** The run's NODE_EXTRA_CA_CERTS file, read once per run; default: a fresh one read from `env`. */
  extraCa?: ExtraCaCertificates;
  /** Where a host's credentials came from, in the command's words (commands/error-advice.ts). */
  credentialsSource?: (host: string) => string;
}

/**
 * Before any registry is contacted over TLS: the NODE_EXTRA_CA_CERTS file must be usable (Node only warns
 * when it is not, and the registry would then fail as "not trusted" with no word of the file).
 */
function checkExtraCaCertificates(config: Config, hosts: Record<string, HostOptions>, extraCa: ExtraCaCertificates): void {
  const endpoints = config.mirrors.flatMap((mirror) => [mirror.source, mirror.destination]);
  const overTls = endpoints.some(
    (endpoint) => endpoint.scheme === 'registry' && effectiveTls(endpoint.host, findHostOptions(hosts, endpoint.host)) !== 'disabled',
  );
  if (overTls) extraCa.certificates();
}

/** One pool per phase of a run: limits, tokens, connections and request counts are shared by every mirror. */
export function createPoolForConfig(config: Config, options: PoolForConfigOptions): RegistryPool & RateLimitSource {
  const dockerConfigDir = options.env.DOCKER_CONFIG;
  const hosts = hostOptionsFromConfig(config, options.credentialsSource);
  // The run's copy of the file: checked here, then given to every host's agent.
  const extraCa = options.extraCa ?? new ExtraCaCertificates(options.env);
  checkExtraCaCertificates(config, hosts, extraCa);
  return createRegistryPool({
    hosts,
    env: options.env,
    ...(dockerConfigDir !== undefined && dockerConfigDir !== '' ? { dockerConfigDir } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    ...(options.memo ? { memo: options.memo } : {}),
    extraCa,
    createOcidir: (path) => createOcidirRegistry(path),
  });
}
