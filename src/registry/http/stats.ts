import type { RequestStats } from '../types.js';
import { compareStrings } from '../../util/compare.js';

/** Counts per host, then per method or status: no `${host} ${key}` string is built for each request. */
class PerHost<K> {
  private readonly hosts = new Map<string, Map<K, number>>();

  add(host: string, key: K): void {
    let counts = this.hosts.get(host);
    if (counts === undefined) this.hosts.set(host, (counts = new Map<K, number>()));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  /** `["host key", count]` pairs, as the snapshot's records are keyed. */
  *entries(): IterableIterator<[string, number]> {
    for (const [host, counts] of this.hosts) for (const [key, count] of counts) yield [`${host} ${String(key)}`, count];
  }
}

/** Counts requests per `${host} ${METHOD}` and bytes moved. */
export class StatsCounter {
  private readonly counts = new PerHost<string>();
  private readonly manifestGets = new Map<string, number>();
  private readonly codes = new PerHost<number>();
  private downloaded = 0;
  private uploaded = 0;

  request(host: string, method: string): void {
    this.counts.add(host, method);
  }

  /** A response received from `host` (serve's `regsync_registry_requests_total{host,code}`). */
  response(host: string, status: number): void {
    this.codes.add(host, status);
  }

  /** A manifest GET sent to `host` (as written in the config): what pull limits count. */
  manifestGet(host: string): void {
    this.manifestGets.set(host, (this.manifestGets.get(host) ?? 0) + 1);
  }

  download(bytes: number): void {
    this.downloaded += bytes;
  }

  upload(bytes: number): void {
    this.uploaded += bytes;
  }

  // Plain code-unit order (compareStrings), not localeCompare: see util/compare.ts.
  snapshot(): RequestStats {
    const counts = [...this.counts.entries()];
    const byHostAndMethod = Object.fromEntries(counts.sort(([a], [b]) => compareStrings(a, b)));
    const requests = counts.reduce((sum, [, n]) => sum + n, 0);
    const manifestGets = Object.fromEntries(this.manifestGets);
    const byHostAndCode = Object.fromEntries(this.codes.entries());
    return { requests, byHostAndMethod, bytesDownloaded: this.downloaded, bytesUploaded: this.uploaded, manifestGets, byHostAndCode };
  }
}

/** Adds several clients' stats together (the pool's total). */
export function sumStats(all: RequestStats[]): RequestStats {
  const byHostAndMethod: Record<string, number> = {};
  let requests = 0;
  let bytesDownloaded = 0;
  let bytesUploaded = 0;
  const manifestGets: Record<string, number> = {};
  const byHostAndCode: Record<string, number> = {};
  for (const stats of all) {
    for (const [key, n] of Object.entries(stats.byHostAndCode ?? {})) byHostAndCode[key] = (byHostAndCode[key] ?? 0) + n;
    for (const [host, n] of Object.entries(stats.manifestGets ?? {})) manifestGets[host] = (manifestGets[host] ?? 0) + n;
    requests += stats.requests;
    bytesDownloaded += stats.bytesDownloaded;
    bytesUploaded += stats.bytesUploaded;
    for (const [key, n] of Object.entries(stats.byHostAndMethod)) byHostAndMethod[key] = (byHostAndMethod[key] ?? 0) + n;
  }
  return { requests, byHostAndMethod, bytesDownloaded, bytesUploaded, manifestGets, byHostAndCode };
}
