import { RegsyncError } from '../util/errors.js';
import { isDigest } from './names.js';
import { MEDIA_TYPES } from './types.js';
import type { Descriptor, ImageManifest, IndexEntry, Manifest, Platform } from './types.js';

const INDEX_MEDIA_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList];
const IMAGE_MEDIA_TYPES: readonly string[] = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest];
const SCHEMA1_MEDIA_TYPES: readonly string[] = [MEDIA_TYPES.dockerSchema1, MEDIA_TYPES.dockerSchema1Signed];

/** The Accept header for manifest requests: every type we can copy, indexes first. */
export const MANIFEST_ACCEPT = [...INDEX_MEDIA_TYPES, ...IMAGE_MEDIA_TYPES].join(', ');

export function isIndexMediaType(mediaType: string): boolean {
  return INDEX_MEDIA_TYPES.includes(mediaType);
}

/** "os/arch" or "os/arch/variant", the form users write in `platforms`. */
export function platformString(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** The blobs a manifest names: its config (when it has one) and its layers, in that order. */
export function manifestBlobs(manifest: ImageManifest): Descriptor[] {
  return manifest.config === null ? manifest.layers : [manifest.config, ...manifest.layers];
}

type Json = Record<string, unknown>;

function fail(reference: string, why: string): never {
  throw new RegsyncError(`manifest ${reference} is not valid: ${why}`, { code: 'MANIFEST_INVALID', reference });
}

function descriptor(value: unknown, reference: string, where: string): Descriptor {
  if (typeof value !== 'object' || value === null) fail(reference, `${where} is not an object`);
  const { mediaType, digest, size } = value as Json;
  if (typeof digest !== 'string' || !isDigest(digest)) fail(reference, `${where}.digest is not a sha256 digest`);
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) fail(reference, `${where}.size is not a size`);
  return { mediaType: typeof mediaType === 'string' ? mediaType : '', digest, size };
}

function platformOf(value: unknown): Platform | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { os, architecture, variant } = value as Json;
  if (typeof os !== 'string' || typeof architecture !== 'string') return undefined;
  return typeof variant === 'string' && variant !== '' ? { os, architecture, variant } : { os, architecture };
}

function annotationsOf(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/**
 * Parses manifest bytes at the boundary. `contentType` is the registry's Content-Type (or the
 * descriptor's media type); the document's own `mediaType` wins when present. Schema 1 is refused.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | null, reference: string): Manifest {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    fail(reference, 'the body is not JSON');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) fail(reference, 'the body is not a JSON object');
  const json = document as Json;
  const ownMediaType = typeof json.mediaType === 'string' ? json.mediaType : null;
  const declaresMediaType = ownMediaType !== null;
  const declared = ownMediaType ?? (contentType ?? '').split(';')[0]?.trim() ?? '';
  if (SCHEMA1_MEDIA_TYPES.includes(declared) || json.schemaVersion === 1) {
    throw new RegsyncError(
      `manifest ${reference} uses Docker schema 1, which regsync does not copy: push it again with a current Docker or use an OCI image`,
      {
        code: 'UNSUPPORTED',
        reference,
      },
    );
  }
  const annotations = annotationsOf(json.annotations);
  const artifactType = typeof json.artifactType === 'string' && json.artifactType !== '' ? { artifactType: json.artifactType } : {};
  // OCI 1.1: the manifest this one is about (a signature, an SBOM); the referrers API lists it under that digest.
  const subject = json.subject === undefined ? {} : { subject: descriptor(json.subject, reference, 'subject') };
  if (Array.isArray(json.manifests)) {
    const mediaType = declared || MEDIA_TYPES.ociIndex;
    if (!isIndexMediaType(mediaType)) fail(reference, `media type ${mediaType} has a manifests list`);
    const manifests = json.manifests.map((entry, i): IndexEntry => {
      const base = descriptor(entry, reference, `manifests[${i}]`);
      const platform = platformOf((entry as Json).platform);
      const entryAnnotations = annotationsOf((entry as Json).annotations);
      return { ...base, ...(platform ? { platform } : {}), ...(entryAnnotations ? { annotations: entryAnnotations } : {}) };
    });
    return { kind: 'index', mediaType, declaresMediaType, ...artifactType, ...subject, manifests, ...(annotations ? { annotations } : {}) };
  }
  if (json.config !== undefined || Array.isArray(json.layers)) {
    const mediaType = declared || MEDIA_TYPES.ociManifest;
    if (!IMAGE_MEDIA_TYPES.includes(mediaType)) fail(reference, `unsupported manifest media type ${mediaType || '(none)'}`);
    if (!Array.isArray(json.layers)) fail(reference, 'layers is not a list');
    const layers = json.layers.map((layer, i) => descriptor(layer, reference, `layers[${i}]`));
    return {
      kind: 'manifest',
      mediaType,
      declaresMediaType,
      ...artifactType,
      ...subject,
      config: json.config === undefined ? null : descriptor(json.config, reference, 'config'),
      layers,
      ...(annotations ? { annotations } : {}),
    };
  }
  fail(reference, 'it has neither manifests nor config and layers');
}
