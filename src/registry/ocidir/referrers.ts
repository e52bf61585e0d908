import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseManifest } from '../../oci/index.js';
import { fallbackReferrers, filterReferrers } from '../referrers.js';
import type { ListReferrersOptions, ReferrerDescriptor } from '../referrers.js';
import type { RegistryReader } from '../types.js';
import { isMissing, readIndex, repositoryDir } from './layout.js';

/** Larger blobs are layers, never a referrer manifest: not read while looking for `subject`. */
const MAX_REFERRER_BYTES = 256 * 1024;

/**
 * The referrers of `digest` in an OCI layout: manifests (listed in index.json or only present in blobs/, as
 * `oras cp` and cosign write them) whose `subject` names it, and the `sha256-<hex>` fallback tag's entries.
 */
export async function layoutReferrers(
  reader: RegistryReader,
  root: string,
  repository: string,
  digest: string,
  options?: ListReferrersOptions,
): Promise<ReferrerDescriptor[]> {
  const dir = repositoryDir(root, repository);
  const index = await readIndex(dir, repository);
  if (index === null) return [];
  const found: ReferrerDescriptor[] = [];
  for (const candidate of await smallBlobs(dir)) {
    const referrer = asReferrerOf(candidate.bytes, candidate.digest, digest);
    if (referrer !== null) found.push(referrer);
  }
  found.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  const tagged = await fallbackReferrers(reader, repository, digest, options);
  return filterReferrers([...found, ...tagged], options?.artifactType);
}

async function smallBlobs(dir: string): Promise<Array<{ digest: string; bytes: Buffer }>> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  let names: string[];
  try {
    names = await readdir(blobs);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const out: Array<{ digest: string; bytes: Buffer }> = [];
  for (const name of names.sort()) {
    if (!/^[a-f0-9]{64}$/.test(name)) continue;
    const file = path.join(blobs, name);
    const handle = await readFile(file).catch(() => null);
    if (handle === null || handle.length > MAX_REFERRER_BYTES || handle[0] !== 0x7b) continue;
    out.push({ digest: `sha256:${name}`, bytes: handle });
  }
  return out;
}

/** A descriptor for `bytes` when they are a manifest whose subject is `subject`; its artifactType as the spec derives it. */
function asReferrerOf(bytes: Buffer, digest: string, subject: string): ReferrerDescriptor | null {
  if (!bytes.includes('"subject"')) return null;
  try {
    const manifest = parseManifest(bytes, null, digest);
    if (manifest.subject?.digest !== subject) return null;
    const artifactType = manifest.artifactType ?? (manifest.kind === 'manifest' ? (manifest.config?.mediaType ?? null) : null);
    const descriptor: ReferrerDescriptor = { mediaType: manifest.mediaType, digest, size: bytes.length, artifactType };
    if (manifest.annotations !== undefined) descriptor.annotations = manifest.annotations;
    return descriptor;
  } catch {
    return null;
  }
}
