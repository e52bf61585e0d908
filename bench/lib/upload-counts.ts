import type { UploadCounts } from '../../test/harness/upload-counts.js';

export { countUploads } from '../../test/harness/upload-counts.js';
export type { UploadCounts } from '../../test/harness/upload-counts.js';

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
