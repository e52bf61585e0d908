import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RegsyncError } from '../../util/errors.js';
import { isDigest, isRepositoryComponent, isTag } from '../../oci/index.js';
import { MEDIA_TYPES } from '../types.js';
import type { IndexEntry } from '../types.js';

/** The annotation an OCI image layout uses to name a tag. */
export const REF_NAME = 'org.opencontainers.image.ref.name';

const LAYOUT_FILE = 'oci-layout';
const INDEX_FILE = 'index.json';
const LAYOUT_CONTENT = JSON.stringify({ imageLayoutVersion: '1.0.0' });

/** index.json as stored: descriptors keep every field they had, so rewriting never loses data. */
export interface LayoutIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: (IndexEntry & Record<string, unknown>)[];
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** The directory of a repository; refuses names that could leave the root. */
export function repositoryDir(root: string, repository: string): string {
  const components = repository.split('/');
  if (repository === '' || !components.every(isRepositoryComponent)) {
    throw new RegsyncError(`repository name "${repository}" is not valid: use lowercase path components like team/app`, {
      code: 'USAGE',
      host: root,
      repository,
    });
  }
  return path.join(root, ...components);
}

export function blobPath(repoDir: string, digest: string): string {
  if (!isDigest(digest)) throw new RegsyncError(`"${digest}" is not a sha256 digest`, { code: 'USAGE', reference: digest });
  return path.join(repoDir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** A temp path inside the layout, so the final rename stays on one filesystem and is atomic. */
export function tempPath(repoDir: string): string {
  return path.join(repoDir, 'blobs', `.regsync-tmp-${randomUUID()}`);
}

/** A missing file, or a path through something that is not a directory. */
export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The size of a regular file, or null when there is none. */
export async function fileSize(file: string): Promise<number | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : null;
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

function emptyIndex(): LayoutIndex {
  return { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] };
}

/** null when the repository has no index.json. */
export async function readIndex(repoDir: string, repository: string): Promise<LayoutIndex | null> {
  let text: string;
  try {
    text = await readFile(path.join(repoDir, INDEX_FILE), 'utf8');
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RegsyncError(`${path.join(repoDir, INDEX_FILE)} is not JSON: repair or remove the layout`, {
      code: 'MANIFEST_INVALID',
      repository,
      cause: error,
    });
  }
  const manifests = (parsed as { manifests?: unknown } | null)?.manifests;
  // zot writes `"manifests": null` for a repository whose last manifest was deleted: an empty layout.
  if (typeof parsed === 'object' && parsed !== null && manifests === null) return { ...(parsed as LayoutIndex), manifests: [] };
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(manifests)) {
    throw new RegsyncError(`${path.join(repoDir, INDEX_FILE)} has no manifests list: repair or remove the layout`, {
      code: 'MANIFEST_INVALID',
      repository,
    });
  }
  return parsed as LayoutIndex;
}

/** Writes a file so that readers see the old or the new content, never a partial one. */
export async function writeAtomic(repoDir: string, file: string, content: string | Buffer): Promise<void> {
  const temp = tempPath(repoDir);
  try {
    await writeFile(temp, content);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function writeIndex(repoDir: string, index: LayoutIndex): Promise<void> {
  await writeAtomic(repoDir, path.join(repoDir, INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);
}

/** Creates a file only if absent, atomically: readers never see it empty or half-written. */
async function createIfAbsent(repoDir: string, file: string, content: string): Promise<void> {
  const temp = tempPath(repoDir);
  await writeFile(temp, content);
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

/** Creates the layout skeleton (oci-layout, blobs/sha256, an empty index.json) if it is not there yet. */
export async function ensureLayout(repoDir: string): Promise<void> {
  await mkdir(path.join(repoDir, 'blobs', 'sha256'), { recursive: true });
  await createIfAbsent(repoDir, path.join(repoDir, LAYOUT_FILE), LAYOUT_CONTENT);
  await createIfAbsent(repoDir, path.join(repoDir, INDEX_FILE), `${JSON.stringify(emptyIndex(), null, 2)}\n`);
}

export const LAYOUT_MARKER = LAYOUT_FILE;

/** A JSON object with a manifest's fields: a blob that is one, however broken, rather than a layer or a config. */
export function looksLikeManifest(bytes: Buffer): boolean {
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch {
    return false;
  }
  if (typeof document !== 'object' || document === null) return false;
  const { schemaVersion, manifests, layers } = document as Record<string, unknown>;
  return schemaVersion === 2 && (Array.isArray(manifests) || Array.isArray(layers));
}

/** The tags index.json names, and a note for each tag it names more than once (resolved to the first entry). */
export function layoutTags(index: LayoutIndex): { tags: string[]; notes: string[] } {
  const digests = new Map<string, string[]>();
  for (const entry of index.manifests) {
    const tag = entry.annotations?.[REF_NAME];
    if (tag !== undefined && isTag(tag)) digests.set(tag, [...(digests.get(tag) ?? []), entry.digest]);
  }
  const notes = [...digests]
    .filter(([, named]) => named.length > 1)
    .map(
      ([tag, named]) =>
        `index.json names tag ${tag} ${named.length} times (${named.join(', ')}); it resolves to the first, ${named[0] ?? ''}, as containers/image reads it`,
    );
  return { tags: [...digests.keys()].sort(), notes };
}
