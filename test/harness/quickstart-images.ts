import { Readable } from 'node:stream';
import { createOcidirRegistry } from '../../src/registry/ocidir/index.js';
import { buildImage } from './images.js';
import type { ImageSpec } from './images.js';

/**
 * The images behind examples/quickstart: a small OCI layout directory, committed so the Quickstart plans
 * a real mirror on a machine with no registry. Deterministic: the same list always writes the same bytes,
 * and a test checks the committed directory against it.
 */
export const QUICKSTART_IMAGES: Array<{ repository: string; tag: string; spec: ImageSpec }> = [
  { repository: 'team/api', tag: 'v1.0.0', spec: { created: '2026-06-01T09:00:00Z', content: 'api-1.0.0' } },
  { repository: 'team/api', tag: 'v1.1.0', spec: { created: '2026-08-12T09:00:00Z', content: 'api-1.1.0' } },
  { repository: 'team/api', tag: 'v1.2.0', spec: { created: '2026-10-20T09:00:00Z', content: 'api-1.2.0' } },
  { repository: 'team/api', tag: 'v2.0.0-rc.1', spec: { created: '2026-11-02T09:00:00Z', content: 'api-2.0.0-rc.1' } },
  { repository: 'team/api', tag: 'latest', spec: { created: '2026-10-20T09:00:00Z', content: 'api-1.2.0' } },
  {
    repository: 'team/web',
    tag: 'v3.4.1',
    spec: { created: '2026-09-30T09:00:00Z', content: 'web-3.4.1', platforms: ['linux/amd64', 'linux/arm64'] },
  },
  { repository: 'team/web', tag: 'v3.5.0', spec: { created: '2026-11-15T09:00:00Z', content: 'web-3.5.0', format: 'docker' } },
  { repository: 'team/web-tmp', tag: 'v0.0.1', spec: { created: '2026-11-20T09:00:00Z', content: 'scratch' } },
];

/** Writes the quickstart images into `dir` through regsync's own ocidir backend. */
export async function writeQuickstartImages(dir: string): Promise<void> {
  const layout = createOcidirRegistry(dir);
  for (const { repository, tag, spec } of QUICKSTART_IMAGES) {
    const built = buildImage(spec);
    for (const child of built.children) {
      for (const blob of [child.config, ...child.layers]) {
        if ((await layout.headBlob(repository, blob.digest)) !== null) continue;
        await layout.uploadBlob(repository, blob.digest, blob.bytes.length, Readable.from([blob.bytes]));
      }
      await layout.putManifest(repository, built.index ? child.digest : tag, child.bytes, child.mediaType);
    }
    if (built.index) await layout.putManifest(repository, tag, built.index.bytes, built.index.mediaType);
  }
}
