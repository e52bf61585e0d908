import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { RegsyncError } from '../../util/errors.js';
import { isDigest, isTag, manifestBlobs, parseManifest, sha256Digest } from '../../oci/index.js';
import { throwIfAborted } from '../abort.js';
import type { CallOptions } from '../abort.js';
import type { BlobStream, Descriptor, FetchedManifest, ManifestDeleter, Manifest, Registry, RequestStats, TagNotes } from '../types.js';
import { readBlobStream, writeBlob } from './blobs.js';
import { RepositoryLocks } from './locks.js';
import { layoutReferrers } from './referrers.js';
import type { ListReferrersOptions, ReferrersLister, ReferrersListing } from '../referrers.js';
import {
  LAYOUT_MARKER,
  REF_NAME,
  blobPath,
  fileSize,
  isMissing,
  ensureLayout,
  layoutTags,
  looksLikeManifest,
  readIndex,
  repositoryDir,
  writeAtomic,
  writeIndex,
} from './layout.js';

// Manifests are small; anything larger than this asked for as a manifest is a layer, not a manifest.
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** A directory of OCI image layouts, one per repository (`root/team/app` holds `oci-layout`, `index.json`, `blobs/`). */
class OcidirRegistry implements Registry, ManifestDeleter, TagNotes, ReferrersLister {
  readonly name: string;
  private readonly locks = new RepositoryLocks();
  private readonly counters: RequestStats = { requests: 0, byHostAndMethod: {}, bytesDownloaded: 0, bytesUploaded: 0 };

  constructor(private readonly root: string) {
    this.name = root;
  }

  /** Counts one operation, after refusing it when the caller's signal has fired. */
  private begin(method: string, options: CallOptions | undefined, what: string): void {
    throwIfAborted(options, `${what} in ${this.root}`, this.root);
    this.counters.requests += 1;
    const key = `${this.name} ${method}`;
    this.counters.byHostAndMethod[key] = (this.counters.byHostAndMethod[key] ?? 0) + 1;
  }

  private notFound(what: string, repository: string, reference: string): RegsyncError {
    return new RegsyncError(`${what} ${repository}:${reference} not found in ${this.root}`, {
      code: 'NOT_FOUND',
      host: this.root,
      repository,
      reference,
    });
  }

  stats(): RequestStats {
    return { ...this.counters, byHostAndMethod: { ...this.counters.byHostAndMethod } };
  }

  async ping(options?: CallOptions): Promise<void> {
    this.begin('HEAD', options, 'ping');
    try {
      const info = await stat(this.root);
      if (info.isDirectory()) return;
    } catch (error) {
      // A destination directory that does not exist yet is created by the first write.
      if (isMissing(error)) return;
      throw error;
    }
    throw new RegsyncError(`${this.root} is not a directory: point ocidir:// at a directory`, { code: 'USAGE', host: this.root });
  }

  async listRepositories(options?: CallOptions): Promise<string[]> {
    this.begin('GET', options, 'listing repositories');
    const found: string[] = [];
    const walk = async (dir: string, prefix: string[]): Promise<void> => {
      throwIfAborted(options, `listing repositories in ${this.root}`, this.root);
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      const isLayout = entries.some((e) => e.isFile() && e.name === LAYOUT_MARKER);
      if (isLayout && prefix.length > 0) found.push(prefix.join('/'));
      for (const entry of entries) {
        if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
        if (isLayout && entry.name === 'blobs') continue;
        await walk(path.join(dir, entry.name), [...prefix, entry.name]);
      }
    };
    await walk(this.root, []);
    return found.sort();
  }

  async listTags(repository: string, options?: CallOptions): Promise<string[]> {
    return (await this.listTagsWithNotes(repository, options)).tags;
  }

  /** The tags, and a note for each tag index.json names more than once (it resolves to the first entry). */
  async listTagsWithNotes(repository: string, options?: CallOptions): Promise<{ tags: string[]; notes: string[] }> {
    this.begin('GET', options, `listing tags of ${repository}`);
    const index = await readIndex(repositoryDir(this.root, repository), repository);
    if (!index) return { tags: [], notes: [] };
    return layoutTags(index);
  }

  /** The digest (and media type when index.json knows it) a reference points at, or null. */
  private async resolve(repository: string, reference: string): Promise<{ digest: string; mediaType: string | null } | null> {
    const dir = repositoryDir(this.root, repository);
    const index = await readIndex(dir, repository);
    if (isDigest(reference)) {
      const known = index?.manifests.find((e) => e.digest === reference);
      if (known) return { digest: reference, mediaType: known.mediaType || null };
      return (await fileSize(blobPath(dir, reference))) === null ? null : { digest: reference, mediaType: null };
    }
    // A tag named twice resolves to the first entry, as containers/image reads a layout (listTagsWithNotes warns).
    const entry = index?.manifests.find((e) => e.annotations?.[REF_NAME] === reference);
    return entry ? { digest: entry.digest, mediaType: entry.mediaType || null } : null;
  }

  /** Reads and verifies a manifest blob; null when it is missing or is not a manifest at all. */
  private async load(repository: string, reference: string): Promise<FetchedManifest | null> {
    const resolved = await this.resolve(repository, reference);
    if (!resolved) return null;
    const file = blobPath(repositoryDir(this.root, repository), resolved.digest);
    const size = await fileSize(file);
    if (size === null) {
      if (isDigest(reference)) return null;
      throw new RegsyncError(
        `tag ${repository}:${reference} in ${this.root} points at ${resolved.digest}, which is missing from blobs/: the layout is damaged`,
        {
          code: 'MANIFEST_INVALID',
          host: this.root,
          repository,
          reference,
        },
      );
    }
    if (size > MAX_MANIFEST_BYTES) return null;
    const bytes = await readFile(file);
    const actual = sha256Digest(bytes);
    if (actual !== resolved.digest) {
      throw new RegsyncError(
        `manifest ${repository}:${reference} in ${this.root} is corrupt: its bytes hash to ${actual}, not ${resolved.digest}`,
        {
          code: 'DIGEST_MISMATCH',
          host: this.root,
          repository,
          reference,
        },
      );
    }
    let manifest: Manifest;
    try {
      manifest = parseManifest(bytes, resolved.mediaType, `${repository}:${reference}`);
    } catch (error) {
      // A digest that names a layer is "no such manifest"; one that names a manifest we cannot use says why.
      if (isDigest(reference) && resolved.mediaType === null && !looksLikeManifest(bytes)) return null;
      throw error;
    }
    this.counters.bytesDownloaded += bytes.length;
    return { descriptor: { mediaType: manifest.mediaType, digest: resolved.digest, size: bytes.length }, bytes, manifest };
  }

  /** Manifests in the layout whose subject is `digest`, and the fallback tag's entries. */
  async listReferrers(repository: string, digest: string, options?: ListReferrersOptions): Promise<ReferrersListing> {
    this.begin('GET', options, `listing referrers of ${repository}@${digest}`);
    return { referrers: await layoutReferrers(this, this.root, repository, digest, options), source: 'layout' };
  }

  async headManifest(repository: string, reference: string, options?: CallOptions): Promise<Descriptor | null> {
    this.begin('HEAD', options, `reading ${repository}:${reference}`);
    return (await this.load(repository, reference))?.descriptor ?? null;
  }

  async getManifest(repository: string, reference: string, options?: CallOptions): Promise<FetchedManifest> {
    this.begin('GET', options, `reading ${repository}:${reference}`);
    const fetched = await this.load(repository, reference);
    if (!fetched) throw this.notFound('manifest', repository, reference);
    return fetched;
  }

  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string, options?: CallOptions): Promise<string> {
    this.begin('PUT', options, `writing ${repository}:${reference}`);
    const dir = repositoryDir(this.root, repository);
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && reference !== digest) {
      throw new RegsyncError(`manifest for ${repository}@${reference} hashes to ${digest}: nothing was stored`, {
        code: 'DIGEST_MISMATCH',
        host: this.root,
        repository,
        reference,
      });
    }
    if (!isDigest(reference) && !isTag(reference)) {
      throw new RegsyncError(`"${reference}" is not a valid tag`, { code: 'USAGE', host: this.root, repository, reference });
    }
    const manifest = parseManifest(bytes, mediaType, `${repository}:${reference}`);
    await this.requireReferenced(dir, repository, reference, manifest);
    await ensureLayout(dir);
    await writeAtomic(dir, blobPath(dir, digest), bytes);
    this.counters.bytesUploaded += bytes.length;
    // The tag is the last write: an abort before it leaves untagged content only.
    throwIfAborted(options, `writing ${repository}:${reference} in ${this.root}`, this.root);
    if (!isDigest(reference)) {
      await this.locks.run(dir, async () => {
        const index = (await readIndex(dir, repository)) ?? { schemaVersion: 2, manifests: [] };
        // One tag, one descriptor: retagging replaces the old entry.
        index.manifests = index.manifests.filter((e) => e.annotations?.[REF_NAME] !== reference);
        index.manifests.push({ mediaType: manifest.mediaType, digest, size: bytes.length, annotations: { [REF_NAME]: reference } });
        await writeIndex(dir, index);
      });
    }
    return digest;
  }

  /** Like a registry's MANIFEST_BLOB_UNKNOWN: refuse a manifest whose blobs or children are not stored. */
  private async requireReferenced(dir: string, repository: string, reference: string, manifest: Manifest): Promise<void> {
    const needed = manifest.kind === 'index' ? manifest.manifests : manifestBlobs(manifest);
    for (const descriptor of needed) {
      if ((await fileSize(blobPath(dir, descriptor.digest))) === null) {
        throw new RegsyncError(
          `manifest ${repository}:${reference} refers to ${descriptor.digest}, which is not in ${this.root}: copy it first`,
          {
            code: 'NOT_FOUND',
            host: this.root,
            repository,
            reference,
          },
        );
      }
    }
  }

  async headBlob(repository: string, digest: string, options?: CallOptions): Promise<Descriptor | null> {
    this.begin('HEAD', options, `reading blob ${digest} of ${repository}`);
    const size = await fileSize(blobPath(repositoryDir(this.root, repository), digest));
    return size === null ? null : { mediaType: 'application/octet-stream', digest, size };
  }

  async getBlob(repository: string, digest: string, options?: CallOptions): Promise<BlobStream> {
    this.begin('GET', options, `reading blob ${digest} of ${repository}`);
    const file = blobPath(repositoryDir(this.root, repository), digest);
    const size = await fileSize(file);
    if (size === null) throw this.notFound('blob', repository, digest);
    const stream = readBlobStream(file, (n) => (this.counters.bytesDownloaded += n), options?.signal, this.root);
    return { size, stream };
  }

  async getBlobBytes(repository: string, digest: string, options?: CallOptions): Promise<Buffer> {
    this.begin('GET', options, `reading blob ${digest} of ${repository}`);
    const file = blobPath(repositoryDir(this.root, repository), digest);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if (isMissing(error)) throw this.notFound('blob', repository, digest);
      throw error;
    }
    if (sha256Digest(bytes) !== digest) {
      throw new RegsyncError(`blob ${repository}@${digest} in ${this.root} is corrupt: its bytes do not match the digest`, {
        code: 'DIGEST_MISMATCH',
        host: this.root,
        repository,
        reference: digest,
      });
    }
    this.counters.bytesDownloaded += bytes.length;
    return bytes;
  }

  async uploadBlob(repository: string, digest: string, size: number, body: Readable, options?: CallOptions): Promise<void> {
    this.begin('PUT', options, `writing blob ${digest} to ${repository}`);
    const written = await writeBlob(repositoryDir(this.root, repository), repository, digest, size, body, options?.signal);
    this.counters.bytesUploaded += written;
  }

  async deleteManifest(repository: string, digest: string, options?: CallOptions): Promise<void> {
    this.begin('DELETE', options, `deleting ${repository}@${digest}`);
    const dir = repositoryDir(this.root, repository);
    await this.locks.run(dir, async () => {
      const index = await readIndex(dir, repository);
      const kept = index?.manifests.filter((e) => e.digest !== digest) ?? [];
      if (!index || kept.length === index.manifests.length) {
        // An untagged child of an index has no descriptor to remove; only a digest stored nowhere is an error.
        if ((await fileSize(blobPath(dir, digest))) !== null) return;
        throw this.notFound('manifest', repository, digest);
      }
      // Blobs stay: other tags or indexes may share them, and a layout has no garbage collector to consult.
      await writeIndex(dir, { ...index, manifests: kept });
    });
  }
}

/** An ocidir:// store rooted at `rootDir` (absolute). */
export function createOcidirRegistry(rootDir: string): Registry & ManifestDeleter & TagNotes & ReferrersLister {
  return new OcidirRegistry(path.resolve(rootDir));
}
