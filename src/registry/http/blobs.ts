import { finished } from 'node:stream';
import type { Readable } from 'node:stream';
import { sha256Digest } from '../../oci/index.js';
import { RegsyncError } from '../../util/errors.js';
import { abortedError, throwIfAborted } from '../abort.js';
import type { BlobStream, Descriptor, MountResult, UploadSession } from '../types.js';
import type { AttemptBudget } from '../attempt-budget.js';
import { isTransientFailure, RequestError } from '../retry-rule.js';
import { pullScope, pushScope } from './scopes.js';
import type { StatsCounter } from './stats.js';
import { drain, readText } from './transport.js';
import type { Transport } from './transport.js';
import { alreadyVerifies, verifyingStream } from './verify-stream.js';

/** getBytes is for image configs and the like; a larger blob is streamed with get(). */
const MAX_BLOB_BYTES = 64 << 20;
const blobPath = (repository: string, digest: string): string => `/v2/${repository}/blobs/${digest}`;
const uploadsPath = (repository: string): string => `/v2/${repository}/blobs/uploads/`;

export class BlobOps {
  constructor(
    private readonly transport: Transport,
    private readonly stats: StatsCounter,
  ) {}

  async head(repository: string, digest: string, signal?: AbortSignal): Promise<Descriptor | null> {
    const response = await this.transport.send({
      method: 'HEAD',
      url: blobPath(repository, digest),
      scopes: [pullScope(repository)],
      repository,
      reference: digest,
      signal,
      accept: (status) => status === 200 || status === 404,
    });
    await drain(response);
    if (response.status === 404) return null;
    const size = Number(response.headers.get('content-length') ?? '-1');
    return { mediaType: 'application/octet-stream', digest, size };
  }

  /**
   * Streams a blob, verifying its sha256 and size as it flows; a broken connection surfaces as a NETWORK error on
   * the stream. The GET counts against `budget` (the copy that may restart the stream when it breaks).
   */
  async get(repository: string, digest: string, signal?: AbortSignal, budget?: AttemptBudget): Promise<BlobStream> {
    const response = await this.transport.send({
      method: 'GET',
      url: blobPath(repository, digest),
      scopes: [pullScope(repository)],
      repository,
      reference: digest,
      signal,
      streamsBody: true,
      budget,
    });
    const length = response.headers.get('content-length');
    const size = length === null ? -1 : Number(length);
    const verify = verifyingStream({
      digest,
      size: size >= 0 ? size : null,
      onBytes: (n) => this.stats.download(n),
      describe: `from ${this.transport.host}/${repository}`,
      host: this.transport.host,
      repository,
    });
    const source = response.body;
    let received = 0;
    source.on('data', (chunk: Buffer) => (received += chunk.length));
    source.on('error', (error) => {
      const what = `GET ${this.transport.host}${blobPath(repository, digest)}`;
      if (signal?.aborted) return void verify.destroy(abortedError(what, this.transport.host, error));
      verify.destroy(
        new RequestError(
          `GET ${this.transport.host}${blobPath(repository, digest)} broke after ${received} of ${size} bytes: ${this.transport.reason(error)}`,
          {
            code: 'NETWORK',
            retryable: isTransientFailure(error),
            host: this.transport.host,
            repository,
            reference: digest,
            cause: error,
          },
        ),
      );
    });
    // A consumer that stops reading must not leave the connection half-read.
    verify.on('close', () => source.destroy());
    source.pipe(verify);
    return { size, stream: verify };
  }

  async getBytes(repository: string, digest: string, signal?: AbortSignal): Promise<Buffer> {
    const { bytes } = await this.transport.sendAndRead(
      { method: 'GET', url: blobPath(repository, digest), scopes: [pullScope(repository)], repository, reference: digest, signal },
      MAX_BLOB_BYTES,
    );
    if (bytes === null) {
      throw new RegsyncError(
        `blob ${digest} from ${this.transport.host}/${repository} is larger than ${MAX_BLOB_BYTES} bytes: not read whole`,
        {
          code: 'REGISTRY',
          host: this.transport.host,
          repository,
          reference: digest,
        },
      );
    }
    this.stats.download(bytes.length);
    const actual = sha256Digest(bytes);
    if (actual !== digest) {
      throw new RegsyncError(
        `blob ${digest} from ${this.transport.host}/${repository} does not match its digest (its sha256 is ${actual}): refusing it`,
        {
          code: 'DIGEST_MISMATCH',
          host: this.transport.host,
          repository,
          reference: digest,
        },
      );
    }
    return bytes;
  }

  /**
   * POST an upload session, then PUT `<Location>&digest=` with the streamed body (Distribution 2.8 ignores a
   * body on the POST). The body is chunked and hashed on the way: on a mismatch the stream fails before its
   * end, the PUT is aborted and nothing is committed. One attempt: a stream is sent once, and the copy ladder
   * restarts a failed one from a fresh GET within the copy's attempts.
   * No chunked PATCH: Distribution accepts a streamed PUT of any size with flat memory, and chunks would only
   * buy resuming, which the restart-from-byte-0 contract does not need (bench/README.md has the reasoning).
   * A `session` (from a refused mount) replaces the POST.
   */
  async upload(
    repository: string,
    digest: string,
    size: number,
    body: Readable,
    signal?: AbortSignal,
    session?: UploadSession | null,
  ): Promise<void> {
    if (session && session.repository !== repository) await this.cancelSession(session);
    let open = session?.repository === repository ? session.location : null;
    try {
      throwIfAborted({ signal }, `upload of ${digest} to ${this.transport.host}/${repository}`, this.transport.host);
      const location = open ?? (await this.startUpload(repository, signal));
      open = null;
      await this.uploadOnce(repository, digest, size, body, location, signal);
    } catch (error) {
      body.destroy();
      throw error;
    } finally {
      // Given up before any PUT into the handed-over session (aborted): nobody else cancels it.
      if (open !== null) await this.cancel(open, repository);
    }
  }

  private async uploadOnce(
    repository: string,
    digest: string,
    size: number,
    body: Readable,
    location: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    // A blob streamed from a registry GET is hashed there already (and fails before its end on a mismatch,
    // which aborts this PUT): hashing it again here would only double the CPU per byte.
    const verify = verifyingStream({
      digest,
      size,
      hash: !alreadyVerifies(body, digest, size),
      onBytes: (n) => this.stats.upload(n),
      describe: `sent to ${this.transport.host}/${repository}`,
      host: this.transport.host,
      repository,
    });
    // finished(), not on('error'): the source may have failed already (a GET that broke while the POST above
    // was in flight), and then no 'error' event comes again; the PUT would wait for bytes forever.
    finished(body, (error) => {
      if (!error) return;
      verify.destroy(
        error instanceof RegsyncError
          ? error
          : new RequestError(`reading blob ${digest} failed: ${error.message}`, {
              code: 'NETWORK',
              cause: error,
              retryable: isTransientFailure(error),
            }),
      );
    });
    body.pipe(verify);
    try {
      const response = await this.transport.send({
        method: 'PUT',
        url,
        headers: { 'content-type': 'application/octet-stream' },
        body: verify,
        scopes: [pushScope(repository)],
        repository,
        reference: digest,
        signal,
      });
      await drain(response);
    } catch (error) {
      await this.cancel(location, repository);
      throw error;
    }
  }

  /** Opens an upload session; returns its absolute Location. */
  async startUpload(repository: string, signal?: AbortSignal): Promise<string> {
    const response = await this.transport.send({
      method: 'POST',
      url: uploadsPath(repository),
      headers: { 'content-length': '0' },
      body: Buffer.alloc(0),
      scopes: [pushScope(repository)],
      repository,
      accept: (status) => status === 202,
      signal,
    });
    await drain(response);
    const location = response.headers.get('location');
    if (!location)
      throw new RegsyncError(`${this.transport.host} opened an upload for ${repository} without a Location header`, {
        code: 'REGISTRY',
        host: this.transport.host,
        repository,
      });
    return new URL(location, this.transport.base).toString();
  }

  /** Cross-repository mount: 201 mounted; 202 means the registry opened an upload instead, handed back for the PUT. */
  async mount(repository: string, digest: string, fromRepository: string, signal?: AbortSignal): Promise<MountResult> {
    const url = `${uploadsPath(repository)}?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepository)}`;
    const response = await this.transport.send({
      method: 'POST',
      url,
      headers: { 'content-length': '0' },
      body: Buffer.alloc(0),
      scopes: [pushScope(repository), pullScope(fromRepository)],
      repository,
      reference: digest,
      accept: (status) => status === 201 || status === 202,
      signal,
    });
    await readText(response);
    if (response.status === 201) return { mounted: true };
    const location = response.headers.get('location');
    return { mounted: false, session: location ? { repository, location: new URL(location, this.transport.base).toString() } : null };
  }

  /** A declined mount's session that no upload will use. */
  cancelSession(session: UploadSession): Promise<void> {
    return this.cancel(session.location, session.repository);
  }

  /** Best effort: an abandoned session expires on its own anyway. */
  private async cancel(location: string, repository: string): Promise<void> {
    try {
      const response = await this.transport.send({
        method: 'DELETE',
        url: location,
        scopes: [pushScope(repository)],
        repository,
        accept: () => true,
      });
      await drain(response);
    } catch {
      // Nothing to do: the upload was not committed.
    }
  }
}
