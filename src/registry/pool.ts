import type { RetryPolicy } from './http/backoff.js';
import { HttpRegistry } from './http/client.js';
import { createOcidirRegistry } from './ocidir/index.js';
import { sumStats } from './http/stats.js';
import { DOCKER_HUB, isDockerHub, registryHostForEndpoint } from '../oci/index.js';
import type { RetryNotice } from './retry-notice.js';
import type { ContentMemo } from './content-memo.js';
import { ExtraCaCertificates } from './http/extra-ca.js';
import type { HostOptions, ImageRef, RateLimit, RateLimitReached, RateLimitSource, Registry, RegistryPool, RequestStats } from './types.js';

export interface RegistryPoolOptions {
  /** Per-host settings keyed by host[:port] as written in the config. */
  hosts: Record<string, HostOptions>;
  /** Overrides `$DOCKER_CONFIG` / `~/.docker` for credentials. */
  dockerConfigDir?: string;
  /** Environment for credential helpers (PATH) and DOCKER_CONFIG; default process.env. */
  env?: NodeJS.ProcessEnv;
  logger?: (line: string) => void;
  /** The ocidir backend; default createOcidirRegistry (tests inject their own). */
  createOcidir?: (path: string) => Registry;
  /** Tests shorten backoff with this. */
  retry?: Partial<RetryPolicy>;
  pageSize?: number;
  /** Told before each retried request (the command layer prints it unless -q). */
  onRetry?: (notice: RetryNotice) => void;
  /** Shared by the pools of one run (apply's plan and its copies): what one read, the other need not read again. */
  memo?: ContentMemo;
  /** The run's NODE_EXTRA_CA_CERTS (the command checks it before the pool exists); default: read from `env`. */
  extraCa?: ExtraCaCertificates;
}

/** Finds a host's options in the pool's table (run/pool.ts builds it from config): as written, or under any Docker Hub alias for Docker Hub (the one place aliases are looked up). */
export function findHostOptions(hosts: Record<string, HostOptions>, location: string): HostOptions {
  const direct = hosts[location];
  if (direct) return direct;
  if (isDockerHub(location)) {
    for (const [key, value] of Object.entries(hosts)) if (isDockerHub(key)) return value;
  }
  return {};
}

/** One client per registry host (and per ocidir directory), so limits, tokens, connections and stats are shared. */
export function createRegistryPool(options: RegistryPoolOptions): RegistryPool & RateLimitSource {
  const http = new Map<string, HttpRegistry>();
  const ocidirs = new Map<string, Registry>();
  // Read once per pool (one run): every host's agent takes it, and a file changed between runs is read again.
  const extraCa = options.extraCa ?? new ExtraCaCertificates(options.env ?? process.env);

  const getHttp = (location: string): HttpRegistry => {
    const apiHost = registryHostForEndpoint(location);
    let client = http.get(apiHost);
    if (!client) {
      client = new HttpRegistry({
        host: isDockerHub(location) ? DOCKER_HUB : location,
        apiHost,
        options: findHostOptions(options.hosts, location),
        ...(options.env ? { env: options.env } : {}),
        ...(options.dockerConfigDir ? { dockerConfigDir: options.dockerConfigDir } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
        ...(options.onRetry ? { onRetry: options.onRetry } : {}),
        ...(options.memo ? { memo: options.memo } : {}),
        extraCa,
      });
      http.set(apiHost, client);
    }
    return client;
  };

  const getOcidir = (path: string): Registry => {
    let registry = ocidirs.get(path);
    if (!registry) {
      registry = (options.createOcidir ?? createOcidirRegistry)(path);
      ocidirs.set(path, registry);
    }
    return registry;
  };

  return {
    get(scheme: ImageRef['scheme'], location: string): Registry {
      return scheme === 'ocidir' ? getOcidir(location) : getHttp(location);
    },
    stats(): RequestStats {
      return sumStats([...http.values(), ...ocidirs.values()].map((registry) => registry.stats()));
    },
    rateLimits(): Record<string, RateLimit> {
      const limits: Record<string, RateLimit> = {};
      for (const client of http.values()) {
        const limit = client.rateLimit();
        if (limit !== null) limits[client.name] = limit;
      }
      return limits;
    },
    rateLimitReached(location: string): RateLimitReached | null {
      return http.get(registryHostForEndpoint(location))?.rateLimitReached() ?? null;
    },
    async close(): Promise<void> {
      await Promise.all([...http.values()].map((client) => client.close()));
    },
  };
}
