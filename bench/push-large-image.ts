import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { fetch } from 'undici';

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * Writes a gzip of `size` random bytes to `file`, streamed (never the whole layer in memory); returns
 * its digest. A real gzip, because skopeo sniffs layers and would recompress an uncompressed one.
 */
export async function writeRandomLayer(file: string, size: number): Promise<{ digest: string; diffId: string }> {
  const hash = createHash('sha256');
  const plain = createHash('sha256');
  function* random() {
    for (let left = size; left > 0;) {
      const chunk = randomBytes(Math.min(left, 1024 * 1024));
      left -= chunk.length;
      plain.update(chunk);
      yield chunk;
    }
  }
  async function* hashing(source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      hash.update(chunk);
      yield chunk;
    }
  }
  await pipeline(Readable.from(random()), createGzip({ level: 1 }), hashing, createWriteStream(file));
  return { digest: `sha256:${hash.digest('hex')}`, diffId: `sha256:${plain.digest('hex')}` };
}

async function uploadBlob(baseUrl: string, repository: string, digest: string, size: number, body: () => Readable): Promise<void> {
  const start = await fetch(`${baseUrl}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await start.body?.cancel();
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new Error(`upload start failed: ${start.status}`);
  const url = new URL(location, baseUrl);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: Readable.toWeb(body()) as ReadableStream,
    duplex: 'half',
  });
  await put.body?.cancel();
  if (put.status !== 201) throw new Error(`upload of ${digest} failed: ${put.status}`);
}

/** Pushes a one-layer OCI image whose layer is `layerFile`, streamed; returns the manifest digest. */
export async function pushLargeImage(
  baseUrl: string,
  repository: string,
  tag: string,
  layerFile: string,
  layer: { digest: string; diffId: string },
): Promise<string> {
  const layerDigest = layer.digest;
  const { size } = await stat(layerFile);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    }),
  );
  const configDigest = sha256(config);
  await uploadBlob(baseUrl, repository, configDigest, config.length, () => Readable.from([config]));
  await uploadBlob(baseUrl, repository, layerDigest, size, () => createReadStream(layerFile, { highWaterMark: 1024 * 1024 }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size }],
    }),
  );
  const put = await fetch(`${baseUrl}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  await put.body?.cancel();
  if (put.status !== 201) throw new Error(`manifest PUT failed: ${put.status}`);
  return sha256(manifest);
}
