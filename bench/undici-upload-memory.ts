/**
 * Why a streamed blob upload can hold the whole blob in memory: PUTs one 256 MiB blob to a real
 * registry with each way of sending a streamed body, and prints peak RSS and ArrayBuffer memory.
 *   node --import tsx bench/undici-upload-memory.ts
 * Measured here (Node 20, undici 7.30): every fetch() variant peaks at ~265 MiB of ArrayBuffers (the
 * blob), undici.request() (stream or async generator body) at ~32 MiB.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { Agent, fetch, request } from 'undici';
import { startRegistry } from '../test/harness/registry.js';
import { makeTempDir } from '../test/harness/temp.js';
import { writeRandomLayer } from './push-large-image.js';

const MODES = ['fetch-node-stream', 'fetch-web-stream', 'fetch-async-generator', 'request-node-stream', 'request-async-generator'] as const;

async function uploadOnce(
  mode: (typeof MODES)[number],
  baseUrl: string,
  file: string,
  digest: string,
): Promise<{ ms: number; peakRssMiB: number; peakArrayBuffersMiB: number }> {
  const agent = new Agent();
  const start = await fetch(`${baseUrl}/v2/probe/${mode}/blobs/uploads/`, { method: 'POST', dispatcher: agent });
  await start.body?.cancel();
  const url = new URL(start.headers.get('location')!, baseUrl);
  url.searchParams.set('digest', digest);
  async function* generator() {
    for await (const chunk of createReadStream(file)) yield chunk as Buffer;
  }
  let peakRss = 0;
  let peakArrayBuffers = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers);
  }, 20);
  const started = performance.now();
  let status: number;
  if (mode.startsWith('fetch')) {
    const body =
      mode === 'fetch-node-stream'
        ? createReadStream(file)
        : mode === 'fetch-web-stream'
          ? Readable.toWeb(createReadStream(file))
          : generator();
    const response = await fetch(url, { method: 'PUT', body: body as never, duplex: 'half', dispatcher: agent });
    await response.body?.cancel();
    status = response.status;
  } else {
    const response = await request(url, {
      method: 'PUT',
      body: (mode === 'request-node-stream' ? createReadStream(file) : generator()) as never,
      dispatcher: agent,
    });
    await response.body.dump();
    status = response.statusCode;
  }
  clearInterval(sampler);
  await agent.close();
  if (status !== 201) throw new Error(`${mode}: HTTP ${status}`);
  return {
    ms: Math.round(performance.now() - started),
    peakRssMiB: Math.round(peakRss / 2 ** 20),
    peakArrayBuffersMiB: Math.round(peakArrayBuffers / 2 ** 20),
  };
}

const dir = await makeTempDir('upload-probe');
const file = `${dir}/blob`;
const { digest } = await writeRandomLayer(file, 256 * 1024 * 1024);
const registry = await startRegistry();
try {
  for (const mode of MODES) {
    (globalThis as { gc?: () => void }).gc?.();
    const result = await uploadOnce(mode, registry.url, file, digest);
    console.log(
      `${mode.padEnd(24)} ${String(result.ms).padStart(5)} ms  peak RSS ${String(result.peakRssMiB).padStart(4)} MiB  peak ArrayBuffers ${String(result.peakArrayBuffersMiB).padStart(4)} MiB`,
    );
  }
} finally {
  await registry.stop();
}
