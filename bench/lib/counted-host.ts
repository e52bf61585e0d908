import { startFaultProxy } from '../../test/harness/fault-proxy.js';
import type { ProxiedRequest } from '../../test/harness/fault-proxy.js';
import { startConnectionCounter } from '../../test/harness/connection-counter.js';

/**
 * A registry seen through two relays: a TCP connection counter (what clients connect to) in front of the
 * harness's HTTP proxy (which records every request) in front of the registry. The Host header is kept
 * end to end, so upload Locations point back at the counter.
 */
export interface CountedHost {
  /** "127.0.0.1:PORT" of the counter: the host to put in configs and commands. */
  host: string;
  readonly requests: ProxiedRequest[];
  /** TCP connections clients opened to this host. */
  connections(): { opened: number; peak: number };
  stop(): Promise<void>;
}

export async function startCountedHost(registry: { host: string }): Promise<CountedHost> {
  const proxy = await startFaultProxy(registry);
  const counter = await startConnectionCounter(proxy);
  return {
    host: counter.host,
    requests: proxy.requests,
    connections: () => ({ opened: counter.opened, peak: counter.peak }),
    stop: async () => {
      await counter.stop();
      await proxy.stop();
    },
  };
}

/** The kind of registry request: "HEAD manifests", "POST blobs/uploads", "GET /v2/", ... */
export function requestKind(request: Pick<ProxiedRequest, 'method' | 'path'>): string {
  const path = request.path;
  const kind = /^\/v2\/?(\?|$)/.test(path)
    ? '/v2/'
    : /\/_catalog/.test(path)
      ? '_catalog'
      : /\/tags\/list/.test(path)
        ? 'tags/list'
        : /\/manifests\//.test(path)
          ? 'manifests'
          : /\/blobs\/uploads\//.test(path)
            ? 'blobs/uploads'
            : /\/blobs\//.test(path)
              ? 'blobs'
              : 'other';
  return `${request.method} ${kind}`;
}

/** "HEAD manifests 250, GET blobs 125, ..." most frequent first. */
export function requestBreakdown(requests: ReadonlyArray<Pick<ProxiedRequest, 'method' | 'path'>>): string {
  const counts = new Map<string, number>();
  for (const request of requests) counts.set(requestKind(request), (counts.get(requestKind(request)) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
}
