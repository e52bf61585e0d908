/**
 * OCI values: references, media types, descriptors and the two manifest shapes. Plain data every layer shares;
 * nothing here reads or writes anything.
 */

/** A parsed image reference. `registry` is host[:port] for HTTP registries, or the absolute directory for ocidir. */
export interface ImageRef {
  scheme: 'registry' | 'ocidir';
  registry: string;
  repository: string;
  tag: string | null;
  digest: string | null;
}

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/** What a HEAD of a manifest tells: enough to compare two tags without reading them. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface IndexEntry extends Descriptor {
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  /**
   * Whether the body itself names its mediaType. Docker's types require the field, so a body without one can only
   * be pushed as the OCI type of its shape (registry/copy.ts), whatever Content-Type it was served with.
   */
  declaresMediaType: boolean;
  /** The manifest this one refers to (OCI 1.1 `subject`): what the referrers API lists it under. */
  subject?: Descriptor;
  /** What an artifact is (OCI 1.1 `artifactType`), when the manifest says. */
  artifactType?: string;
  /** null when the manifest names none (some OCI artifacts carry only layers): it is still copied byte for byte. */
  config: Descriptor | null;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  /** As ImageManifest's. */
  declaresMediaType: boolean;
  /** The manifest this index refers to (OCI 1.1 `subject`). */
  subject?: Descriptor;
  artifactType?: string;
  manifests: IndexEntry[];
  annotations?: Record<string, string>;
}

export type Manifest = ImageManifest | ImageIndex;
