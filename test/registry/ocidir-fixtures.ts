import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MEDIA_TYPES } from '../../src/registry/types.js';

/** A blob and its descriptor fields, made from plain data. */
export interface FixtureBlob {
  bytes: Buffer;
  digest: string;
  size: number;
}

export function blob(content: string | Buffer): FixtureBlob {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length };
}

export function streamOf(bytes: Buffer, chunkSize = 7): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

/** An image manifest over a config and layers, serialised with the given media type. */
export function imageManifest(
  config: FixtureBlob,
  layers: FixtureBlob[],
  mediaType: string = MEDIA_TYPES.ociManifest,
): FixtureBlob & { mediaType: string } {
  const docker = mediaType === MEDIA_TYPES.dockerManifest;
  const json = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? MEDIA_TYPES.dockerConfig : MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({
      mediaType: docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: l.digest,
      size: l.size,
    })),
  };
  return { ...blob(JSON.stringify(json)), mediaType };
}

export function indexManifest(
  children: { manifest: FixtureBlob & { mediaType: string }; os: string; architecture: string }[],
  mediaType: string = MEDIA_TYPES.ociIndex,
): FixtureBlob & { mediaType: string } {
  const json = {
    schemaVersion: 2,
    mediaType,
    manifests: children.map((c) => ({
      mediaType: c.manifest.mediaType,
      digest: c.manifest.digest,
      size: c.manifest.size,
      platform: { os: c.os, architecture: c.architecture },
    })),
  };
  return { ...blob(JSON.stringify(json, null, 3)), mediaType };
}

/** A descriptor of a fixture blob, with extra fields (platform, annotations, artifactType). */
export const desc = (b: FixtureBlob, mediaType: string, extra: Record<string, unknown> = {}) => ({
  mediaType,
  digest: b.digest,
  size: b.size,
  ...extra,
});

export const json = (value: unknown): FixtureBlob => blob(JSON.stringify(value));

/** An index.json entry naming a tag, as layouts record it. */
export const tagged = (b: FixtureBlob, mediaType: string, tag: string) =>
  desc(b, mediaType, { annotations: { 'org.opencontainers.image.ref.name': tag } });

/** One layout written file by file, as another tool left it (index.json exactly as given). */
export async function writeLayout(root: string, repository: string, blobs: FixtureBlob[], index: unknown): Promise<void> {
  const dir = join(root, ...repository.split('/'));
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  for (const b of blobs) await writeFile(join(dir, 'blobs', 'sha256', b.digest.slice(7)), b.bytes);
}
