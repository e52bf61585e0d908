import type { Response } from 'undici';
import { HarnessClient } from './http.js';
import type { HarnessTarget } from './http.js';
import { buildAttestation, buildIndex, buildPlatformImage, sha256 } from './image-build.js';
import type { Blob, BuiltManifest } from './image-build.js';

/** What a test image looks like; the same spec always gives the same digests. */
export interface ImageSpec {
  /** ISO date written into the image config(s). */
  created: string;
  /** Media types; default 'oci'. */
  format?: 'oci' | 'docker';
  /** Default ['linux/amd64']; two or more make an index / manifest list. */
  platforms?: string[];
  /** Seed for layer content; same content+created+platform => same digests. */
  content?: string;
  /** Default 1. */
  layers?: number;
  /** Bytes of incompressible seeded data per layer; default 256. */
  layerSize?: number;
  /** Adds a buildx-style attestation child (unknown/unknown) for the first platform; the image becomes an index. */
  attestation?: boolean;
}

export interface PushedImage {
  digest: string;
  mediaType: string;
  /** null for an index. */
  configDigest: string | null;
  /** One entry per platform manifest (a single-platform image lists itself). */
  platforms: Array<{ platform: string; digest: string; configDigest: string }>;
}

export interface PushTarget {
  url: string;
  credentials?: { username: string; password: string } | null;
  caFile?: string | null;
  tokenRealm?: never;
}

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

// One client per target keeps tokens cached across pushes to the same registry.
const clients = new Map<string, HarnessClient>();
function clientFor(target: HarnessTarget): HarnessClient {
  const key = `${target.url}|${target.credentials?.username ?? ''}|${target.credentials?.password ?? ''}|${target.caFile ?? ''}`;
  let client = clients.get(key);
  if (client === undefined) {
    client = new HarnessClient(target);
    clients.set(key, client);
  }
  return client;
}

/**
 * Uploads in flight, by registry+repository+digest. Distribution 2.8 can corrupt a repository's
 * link file when one blob is uploaded into it twice at once (LAB.md): later callers share the upload.
 */
const inFlight = new Map<string, Promise<void>>();

async function failure(response: Response, what: string): Promise<Error> {
  const body = await response.text().catch(() => '');
  return new Error(`${what}: HTTP ${response.status} ${body.slice(0, 500)}`);
}

async function uploadBlob(client: HarnessClient, repository: string, blob: Blob): Promise<void> {
  const key = `${client.target.url}|${repository}|${blob.digest}`;
  const existing = inFlight.get(key);
  if (existing) return existing;
  const upload = (async () => {
    const scope = `repository:${repository}:pull,push`;
    const head = await client.request(`/v2/${repository}/blobs/${blob.digest}`, { method: 'HEAD' }, scope);
    if (head.status === 200) return;
    const start = await client.request(`/v2/${repository}/blobs/uploads/`, { method: 'POST' }, scope);
    if (start.status !== 202) throw await failure(start, `starting blob upload to ${repository}`);
    await start.body?.cancel();
    const location = start.headers.get('location');
    if (!location) throw new Error(`blob upload to ${repository}: no Location header`);
    // A one-request POST upload ignores its body on 2.8 (LAB.md): POST, then PUT <Location>&digest=.
    const putUrl = new URL(location, client.target.url);
    putUrl.searchParams.set('digest', blob.digest);
    const put = await client.request(
      putUrl.toString(),
      {
        method: 'PUT',
        body: blob.bytes,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.bytes.length) },
      },
      scope,
    );
    if (put.status !== 201) throw await failure(put, `finishing blob upload ${blob.digest} to ${repository}`);
    await put.body?.cancel();
  })();
  inFlight.set(key, upload);
  try {
    await upload;
  } finally {
    inFlight.delete(key);
  }
}

async function putManifest(client: HarnessClient, repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<void> {
  const response = await client.request(
    `/v2/${repository}/manifests/${reference}`,
    { method: 'PUT', body: bytes, headers: { 'content-type': mediaType } },
    `repository:${repository}:pull,push`,
  );
  if (response.status !== 201) throw await failure(response, `pushing manifest ${repository}:${reference}`);
  await response.body?.cancel();
}

async function pushPlatform(client: HarnessClient, repository: string, image: BuiltManifest, reference: string): Promise<void> {
  // Distinct blobs of one image may go in parallel; equal ones share the in-flight upload.
  await Promise.all([image.config, ...image.layers].map((blob) => uploadBlob(client, repository, blob)));
  await putManifest(client, repository, reference, image.mediaType, image.bytes);
}

/** Builds the image described by `spec` without pushing it (digests are known in advance). */
export function buildImage(spec: ImageSpec): {
  children: BuiltManifest[];
  index: { mediaType: string; bytes: Buffer; digest: string } | null;
} {
  const format = spec.format ?? 'oci';
  const platforms = spec.platforms ?? ['linux/amd64'];
  if (platforms.length === 0) throw new Error('ImageSpec.platforms must not be empty');
  const children = platforms.map((platform) =>
    buildPlatformImage({
      format,
      platform,
      created: spec.created,
      content: spec.content ?? 'regsync',
      layers: spec.layers ?? 1,
      layerSize: spec.layerSize ?? 256,
    }),
  );
  if (spec.attestation === true) children.push(buildAttestation(children[0]!));
  return { children, index: children.length > 1 ? buildIndex(format, children) : null };
}

/**
 * Pushes blobs (POST then PUT <Location>&digest=), child manifests by digest, then the manifest or
 * index under `tag`. Answers Basic and Bearer challenges with the target's credentials.
 */
export async function pushImage(target: PushTarget, repository: string, tag: string, spec: ImageSpec): Promise<PushedImage> {
  const client = clientFor(target);
  const { children, index } = buildImage(spec);
  const platforms = children.map((child) => ({ platform: child.platform, digest: child.digest, configDigest: child.config.digest }));
  if (index === null) {
    const only = children[0]!;
    await pushPlatform(client, repository, only, tag);
    return { digest: only.digest, mediaType: only.mediaType, configDigest: only.config.digest, platforms };
  }
  for (const child of children) await pushPlatform(client, repository, child, child.digest);
  await putManifest(client, repository, tag, index.mediaType, index.bytes);
  return { digest: index.digest, mediaType: index.mediaType, configDigest: null, platforms };
}

/** Raw GET of a manifest: exact bytes, content type and sha256 digest; null when absent. */
export async function rawManifest(
  target: PushTarget,
  repository: string,
  reference: string,
): Promise<{ bytes: Buffer; mediaType: string; digest: string } | null> {
  const client = clientFor(target);
  const response = await client.request(
    `/v2/${repository}/manifests/${reference}`,
    { headers: { accept: MANIFEST_ACCEPT } },
    `repository:${repository}:pull`,
  );
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (response.status !== 200) throw await failure(response, `reading manifest ${repository}:${reference}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  return { bytes, mediaType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim(), digest: sha256(bytes) };
}

/** Seeds several images: repositories in parallel, each repository's images one after another. */
export async function seed(
  target: PushTarget,
  images: Array<{ repository: string; tag: string; spec: ImageSpec }>,
): Promise<PushedImage[]> {
  const results: PushedImage[] = new Array<PushedImage>(images.length);
  const byRepository = new Map<string, number[]>();
  images.forEach((image, i) => byRepository.set(image.repository, [...(byRepository.get(image.repository) ?? []), i]));
  await Promise.all(
    [...byRepository.values()].map(async (indexes) => {
      for (const i of indexes) {
        const image = images[i]!;
        results[i] = await pushImage(target, image.repository, image.tag, image.spec);
      }
    }),
  );
  return results;
}

/** Pushes blobs, then a manifest (bytes as given) under `reference`: for artifacts built outside buildImage. */
export async function pushManifest(
  target: PushTarget,
  repository: string,
  reference: string,
  manifest: { mediaType: string; bytes: Buffer },
  blobs: Blob[] = [],
): Promise<void> {
  const client = clientFor(target);
  await Promise.all(blobs.map((blob) => uploadBlob(client, repository, blob)));
  await putManifest(client, repository, reference, manifest.mediaType, manifest.bytes);
}
