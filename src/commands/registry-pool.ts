import type { Config, RegistrySettings } from '../config/types.js';
import {
  createOcidirRegistry,
  createRegistryPool,
  effectiveTls,
  ExtraCaCertificates,
  formatRetryNotice,
  hostOptionsFor as hostOptionsForHost,
} from '../registry/index.js';
import type { ContentMemo, HostOptions, RateLimitSource, RegistryPool, RetryNotice } from '../registry/index.js';
import { credentialsSource, runWording } from './error-advice.js';

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

/** Config `registries` keyed as written (the pool finds Docker Hub's settings under any of its names). */
export function hostOptionsFor(config: Config): Record<string, HostOptions> {
  const hosts: Record<string, HostOptions> = {};
  const wording = runWording(config);
  for (const [host, settings] of Object.entries(config.registries)) {
    hosts[host] = { ...hostOptions(settings), credentialsSource: credentialsSource(wording, host) };
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
}

/** Each retried request as one line (`retrying GET host/path (attempt 2 of 4): HTTP 503`), none with -q. */
export function retryLines(quiet: boolean, writeLine: (line: string) => void): Pick<PoolForConfigOptions, 'onRetry'> {
  return quiet ? {} : { onRetry: (notice: RetryNotice) => writeLine(formatRetryNotice(notice)) };
}

/**
 * Before any registry is contacted over TLS: the NODE_EXTRA_CA_CERTS file must be usable (Node only warns
 * when it is not, and the registry would then fail as "not trusted" with no word of the file).
 */
function checkExtraCaCertificates(config: Config, hosts: Record<string, HostOptions>, extraCa: ExtraCaCertificates): void {
  const endpoints = config.mirrors.flatMap((mirror) => [mirror.source, mirror.destination]);
  const overTls = endpoints.some(
    (endpoint) => endpoint.scheme === 'registry' && effectiveTls(endpoint.host, hostOptionsForHost(hosts, endpoint.host)) !== 'disabled',
  );
  if (overTls) extraCa.certificates();
}

/** One pool per command run: limits, tokens, connections and request counts are shared by every mirror. */
export function createPoolForConfig(config: Config, options: PoolForConfigOptions): RegistryPool & RateLimitSource {
  const dockerConfigDir = options.env.DOCKER_CONFIG;
  const hosts = hostOptionsFor(config);
  // The run's copy of the file: checked here, then given to every host's agent.
  const extraCa = new ExtraCaCertificates(options.env);
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
