import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** One blob to upload: exact bytes and their digest. */
export interface Blob {
  digest: string;
  bytes: Buffer;
}

export const MEDIA = {
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    index: 'application/vnd.oci.image.index.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
} as const;

export const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Incompressible bytes that depend only on the seed: sha256 in counter mode. */
export function seededBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let offset = 0;
  for (let counter = 0; offset < size; counter++) {
    const block = createHash('sha256').update(`${seed}#${counter}`).digest();
    offset += block.copy(out, offset);
  }
  return out;
}

/** A one-file ustar archive, deterministic: fixed mtime 0, owner 0, mode 0644. */
export function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (offset: number, length: number, value: number) =>
    field(offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, content.length);
  octal(136, 12, 0);
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/** "os/arch[/variant]" → the platform object of configs and indexes. */
export function parsePlatform(platform: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant] = platform.split('/');
  if (!os || !architecture) throw new Error(`platform "${platform}" is not os/arch[/variant]`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

export interface BuiltManifest {
  platform: string;
  /** Written on the index entry (an attestation child names the image it attests). */
  annotations?: Record<string, string>;
  mediaType: string;
  bytes: Buffer;
  digest: string;
  config: Blob;
  layers: Blob[];
}

/** Builds one platform's image: layers of seeded data, a config with `created`, and the manifest. */
export function buildPlatformImage(o: {
  format: 'oci' | 'docker';
  platform: string;
  created: string;
  content: string;
  layers: number;
  layerSize: number;
}): BuiltManifest {
  const media = MEDIA[o.format];
  const layers: Blob[] = [];
  const diffIds: string[] = [];
  for (let i = 0; i < o.layers; i++) {
    const tar = tarOneFile(`layer-${i}.bin`, seededBytes(`${o.content}|${o.created}|${o.platform}|${i}`, o.layerSize));
    diffIds.push(sha256(tar));
    // gzipSync writes mtime 0 and no file name, so the same tar always gives the same blob.
    const gz = gzipSync(tar, { level: 6 });
    layers.push({ digest: sha256(gz), bytes: gz });
  }
  const platform = parsePlatform(o.platform);
  const configJson = {
    created: o.created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Labels: { 'org.regsync.test.content': o.content },
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map(() => ({ created: o.created, created_by: 'regsync test harness' })),
  };
  const configBytes = Buffer.from(JSON.stringify(configJson));
  const config: Blob = { digest: sha256(configBytes), bytes: configBytes };
  const manifest = {
    schemaVersion: 2,
    mediaType: media.manifest,
    config: { mediaType: media.config, digest: config.digest, size: config.bytes.length },
    layers: layers.map((layer) => ({ mediaType: media.layer, digest: layer.digest, size: layer.bytes.length })),
  };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 2));
  return { platform: o.platform, mediaType: media.manifest, bytes, digest: sha256(bytes), config, layers };
}

/** An index (OCI) or manifest list (Docker) over already built platform manifests. */
export function buildIndex(format: 'oci' | 'docker', children: BuiltManifest[]): { mediaType: string; bytes: Buffer; digest: string } {
  const media = MEDIA[format];
  const index = {
    schemaVersion: 2,
    mediaType: media.index,
    manifests: children.map((child) => ({
      mediaType: child.mediaType,
      digest: child.digest,
      size: child.bytes.length,
      platform: parsePlatform(child.platform),
      ...(child.annotations ? { annotations: child.annotations } : {}),
    })),
  };
  const bytes = Buffer.from(JSON.stringify(index, null, 2));
  return { mediaType: media.index, bytes, digest: sha256(bytes) };
}

/**
 * A buildx-style attestation child for `subject`: platform unknown/unknown, an in-toto layer, and the
 * `vnd.docker.reference.*` annotations that tie it to the image it describes (what BuildKit pushes by default).
 */
export function buildAttestation(subject: BuiltManifest): BuiltManifest {
  const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', subject: [{ digest: subject.digest }] }));
  const layer: Blob = { digest: sha256(statement), bytes: statement };
  const configBytes = Buffer.from(
    JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [layer.digest] } }),
  );
  const config: Blob = { digest: sha256(configBytes), bytes: configBytes };
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.oci.manifest,
    config: { mediaType: MEDIA.oci.config, digest: config.digest, size: config.bytes.length },
    layers: [
      {
        mediaType: 'application/vnd.in-toto+json',
        digest: layer.digest,
        size: layer.bytes.length,
        annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' },
      },
    ],
  };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 2));
  return {
    platform: 'unknown/unknown',
    annotations: { 'vnd.docker.reference.digest': subject.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
    mediaType: MEDIA.oci.manifest,
    bytes,
    digest: sha256(bytes),
    config,
    layers: [layer],
  };
}
