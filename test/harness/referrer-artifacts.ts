import { MEDIA, seededBytes, sha256 } from './image-build.js';
import type { Blob } from './image-build.js';
import { pushManifest } from './images.js';
import type { PushTarget } from './images.js';

/** Artifact types as cosign, syft and in-toto tools write them. */
export const ARTIFACT_TYPES = {
  signature: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  sbom: 'application/spdx+json',
  attestation: 'application/vnd.in-toto+json',
} as const;

/** The OCI empty descriptor's blob (`{}`), the config of artifacts that have none. */
const EMPTY: Blob = { digest: sha256('{}'), bytes: Buffer.from('{}') };

export interface SubjectRef {
  mediaType: string;
  digest: string;
  size: number;
}

/** An OCI 1.1 artifact manifest (a signature, an SBOM, an attestation) referring to `subject`; deterministic per `content`. */
export interface BuiltArtifact {
  mediaType: string;
  digest: string;
  size: number;
  artifactType: string;
  bytes: Buffer;
  blobs: Blob[];
}

export function buildArtifact(subject: SubjectRef, artifactType: string, content: string): BuiltArtifact {
  const payload: Blob = { digest: '', bytes: seededBytes(`${artifactType}|${content}`, 64) };
  payload.digest = sha256(payload.bytes);
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.oci.manifest,
    artifactType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY.digest, size: EMPTY.bytes.length },
    layers: [{ mediaType: 'application/octet-stream', digest: payload.digest, size: payload.bytes.length }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { 'org.opencontainers.image.created': '2024-03-01T00:00:00Z', 'dev.regsync.test': content },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { mediaType: MEDIA.oci.manifest, digest: sha256(bytes), size: bytes.length, artifactType, bytes, blobs: [EMPTY, payload] };
}

/** Pushes an artifact by digest, as cosign and oras do with the referrers API (no tag). */
export function pushArtifact(target: PushTarget, repository: string, artifact: BuiltArtifact): Promise<void> {
  return pushManifest(target, repository, artifact.digest, artifact, artifact.blobs);
}

/** The fallback index body listing `entries` (what a client writes to `sha256-<hex>` on a registry without the API). */
export function fallbackIndex(entries: Array<{ mediaType: string; digest: string; size: number; artifactType?: string }>): {
  mediaType: string;
  bytes: Buffer;
} {
  const manifests = entries.map((entry) => ({
    mediaType: entry.mediaType,
    digest: entry.digest,
    size: entry.size,
    artifactType: entry.artifactType,
  }));
  return { mediaType: MEDIA.oci.index, bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.oci.index, manifests })) };
}

/** Writes the `sha256-<hex>` fallback tag of `subject` listing `entries`. */
export function pushFallbackTag(target: PushTarget, repository: string, subject: string, entries: BuiltArtifact[]): Promise<void> {
  return pushManifest(target, repository, subject.replace(':', '-'), fallbackIndex(entries));
}

/**
 * The config the referrer e2e tests plan and apply: one mirror `signed`, `SOURCE/team` → `DESTINATION/mirror`, registry
 * executor, referrers on, repository `app` (or `names`); `extra` lines (already indented for the mirror) go last.
 */
export function signedMirrorConfig(source: string, destination: string, options: { names?: string[]; extra?: string[] } = {}): string {
  const names = (options.names ?? ['app']).join(', ');
  const lines = [
    'mirrors:',
    '  - name: signed',
    `    source: "${source}/team"`,
    `    destination: "${destination}/mirror"`,
    '    executor: registry',
    '    referrers: true',
    `    repositories: {names: [${names}]}`,
    ...(options.extra ?? []),
  ];
  return `${lines.join('\n')}\n`;
}
