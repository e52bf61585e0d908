import type { ProxiedRequest } from './fault-proxy.js';

/** What one destination registry saw of blob writes, from a fault proxy's request log (the cold bench and the mount tests). */
export interface UploadCounts {
  /** Completed uploads (PUT answered 201), by digest. */
  uploadsByDigest: Map<string, number>;
  /** Requests that served uploads: POSTs that did not mount, PATCHes, PUTs. */
  uploadRequests: number;
  /** POST ?mount= answered 201. */
  mounted: number;
  /** Every POST ?mount= (one that is not answered 201 starts an upload instead). */
  mountRequests: number;
  /** HEAD /blobs/: existence checks. */
  existenceChecks: number;
}

const digestOf = (path: string): string | null => new URLSearchParams(path.split('?')[1] ?? '').get('digest');

export function countUploads(requests: readonly ProxiedRequest[]): UploadCounts {
  const counts: UploadCounts = { uploadsByDigest: new Map(), uploadRequests: 0, mounted: 0, mountRequests: 0, existenceChecks: 0 };
  for (const request of requests) {
    if (request.method === 'HEAD' && /\/blobs\/sha256:/.test(request.path)) counts.existenceChecks += 1;
    if (!/\/blobs\/uploads\//.test(request.path)) continue;
    const mount = request.method === 'POST' && /[?&]mount=/.test(request.path);
    if (mount) counts.mountRequests += 1;
    if (mount && request.status === 201) {
      counts.mounted += 1;
      continue;
    }
    counts.uploadRequests += 1;
    const digest = request.method === 'PUT' && request.status === 201 ? digestOf(request.path) : null;
    if (digest !== null) counts.uploadsByDigest.set(digest, (counts.uploadsByDigest.get(digest) ?? 0) + 1);
  }
  return counts;
}
