import type { ProxiedRequest } from '../../test/harness/fault-proxy.js';

/** What one destination registry saw of blob writes, from its request log. */
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

/** The lines the cold bench prints: requests per uploaded and per mounted blob, and shared blobs uploaded once. */
export function describeUploads(counts: UploadCounts, sharedDigests: readonly string[]): string[] {
  const uploaded = [...counts.uploadsByDigest.values()].reduce((sum, n) => sum + n, 0);
  const most = Math.max(0, ...counts.uploadsByDigest.values());
  const perUpload = uploaded === 0 ? 0 : counts.uploadRequests / uploaded;
  const lines = [
    `destination: ${uploaded} blob uploads (${counts.uploadsByDigest.size} distinct digests, at most ${most} of one digest), ` +
      `${counts.uploadRequests} upload requests = ${perUpload.toFixed(2)} per uploaded blob (goal ≤ 2: ${perUpload <= 2 ? 'met' : 'NOT met'})`,
    `destination: ${counts.mounted} blobs mounted with ${counts.mountRequests} mount requests` +
      (counts.mounted === 0 ? '' : ` = ${(counts.mountRequests / counts.mounted).toFixed(2)} per mounted blob (goal 1)`),
    `destination: ${counts.existenceChecks} HEAD blob existence checks`,
  ];
  const sharedUploads = sharedDigests.map((digest) => counts.uploadsByDigest.get(digest) ?? 0);
  lines.push(
    `shared image (${sharedDigests.length} blobs needed by every repository): uploaded ${sharedUploads.join('/')} times ` +
      `(${sharedUploads.every((n) => n === 1) ? 'once each: met' : 'NOT once each'})`,
  );
  return lines;
}
