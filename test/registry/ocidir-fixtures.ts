import { createHash } from 'node:crypto';
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
