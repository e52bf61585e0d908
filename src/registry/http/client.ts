import { Readable } from 'node:stream';
import type { ContentMemo } from '../content-memo.js';
import type { Agent } from 'node:http';
import { createLimiter } from '../../util/concurrency.js';
import { RegsyncError } from '../../util/errors.js';
import { redact } from '../../util/redact.js';
import { apiRepository, isDigest, parseManifest, sha256Digest } from '../../oci/index.js';
import type {
  BlobMounter,
  BlobReadOptions,
  CallOptions,
  BlobStream,
  CopyAnnouncer,
  Descriptor,
  FetchedManifest,
  HostOptions,
  ManifestDeleter,
  MountResult,
  UploadSession,
  RateLimit,
  RateLimitReached,
  Registry,
  RequestStats,
  UploadOpener,
  UploadOptions,
} from '../types.js';
import { HostAuth } from './auth.js';
import { DEFAULT_RETRY_POLICY } from './backoff.js';
import type { RetryPolicy } from './backoff.js';
import { BlobOps } from './blobs.js';
import { resolveCredentials } from '../../credentials/index.js';
import { ExtraCaCertificates } from './extra-ca.js';
import type { Credentials } from '../../credentials/index.js';
import { listAll } from './paging.js';
import { CATALOG_SCOPE, pullScope, pushScope } from './scopes.js';
import { StatsCounter } from './stats.js';
import { RateLimitTracker } from './rate-limits.js';
import type { RetryNotice } from '../retry-notice.js';
import { drain } from './transport.js';
import { Transport } from './transport.js';
import { manifestPath, manifestRead } from './manifest-request.js';
import { baseUrl, createHostAgent, effectiveTls } from './tls.js';
import { HttpReferrers } from './referrers.js';
import type { ListReferrersOptions, ReferrersLister, ReferrersListing } from '../referrers.js';

export interface HttpRegistryOptions {
  /** The host as written in the config or reference (`docker.io`, `127.0.0.1:5000`): names it in messages and credentials. */
  host: string;
  /** Where the API lives when it differs from `host` (docker.io → registry-1.docker.io). */
  apiHost?: string;
  options?: HostOptions;
  /** For credential helpers (PATH) and DOCKER_CONFIG; default process.env. */
  env?: NodeJS.ProcessEnv;
  dockerConfigDir?: string;
  logger?: (line: string) => void;
  retry?: Partial<RetryPolicy>;
  /** Entries asked per page of `_catalog` and `tags/list`. */
  pageSize?: number;
  /** Told before each retry; the registry layer itself never writes to stderr. */
  onRetry?: (notice: RetryNotice) => void;
  /** The run's memory of verified manifests and configs: a second read of one (apply after its plan) sends nothing. */
  memo?: ContentMemo;
  /** The run's NODE_EXTRA_CA_CERTS, read once for every host's agent; default: this client's own. */
  extraCa?: ExtraCaCertificates;
}

/** How long a host may keep us waiting for headers or the next body bytes, unless `timeout` says otherwise. */
const DEFAULT_TIMEOUT_MS = 30_000;

const DEFAULT_PAGE_SIZE = 1000;

/** A HEAD of a manifest answers whether it is there: 404 is an answer, not a failure. */
const presentOrNot = (status: number): boolean => status === 200 || status === 404;
/** Distribution refuses manifests over 4 MiB; anything much larger is not a manifest. */
const MAX_MANIFEST_BYTES = 8 << 20;

/** The OCI Distribution API client for one registry host. */
export class HttpRegistry implements Registry, BlobMounter, ManifestDeleter, CopyAnnouncer, UploadOpener, ReferrersLister {
  readonly name: string;
  private readonly stats_ = new StatsCounter();
  private readonly rateLimits_ = new RateLimitTracker();
  private readonly transport: Transport;
  private readonly auth: HostAuth;
  private readonly blobs: BlobOps;
  private readonly referrers: HttpReferrers;
  private readonly pageSize: number;
  private readonly memo: ContentMemo | null;
  private agent_: Agent | null = null;
  private credentials_: Promise<Credentials> | null = null;
  /** Docker Hub serves official images under library/: `nginx` means `library/nginx`, as docker pull reads it. */
  private readonly canonical: (repository: string) => string;

  constructor(options: HttpRegistryOptions) {
    const host = options.host;
    const apiHost = options.apiHost ?? host;
    const hostOptions = options.options ?? {};
    const env = options.env ?? process.env;
    const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    const logger = options.logger ?? (() => undefined);
    const slots = hostOptions.maxConcurrency ?? 8;
    const extraCa = options.extraCa ?? new ExtraCaCertificates(env);
    this.name = host;
    this.canonical = (repository) => apiRepository(apiHost, repository);
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.memo = options.memo ?? null;
    this.auth = new HostAuth({
      host,
      credentials: () =>
        (this.credentials_ ??= resolveCredentials({ host, options: hostOptions, env, dockerConfigDir: options.dockerConfigDir })),
      send: (url, init, signal) => this.transport.sendForToken(url, init, signal),
      log: (line) => logger(redact(line, this.auth.secrets())),
    });
    this.transport = new Transport({
      host,
      base: baseUrl(apiHost, effectiveTls(apiHost, hostOptions)),
      agent: () => (this.agent_ ??= createHostAgent(apiHost, hostOptions, extraCa, hostOptions.timeout ?? DEFAULT_TIMEOUT_MS)),
      limiter: createLimiter(slots),
      streamPermits: slots > 1 ? createLimiter(slots - 1) : null,
      retry,
      stats: this.stats_,
      rateLimits: this.rateLimits_,
      auth: () => this.auth,
      log: logger,
      timeoutMs: hostOptions.timeout ?? DEFAULT_TIMEOUT_MS,
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
    this.blobs = new BlobOps(this.transport, this.stats_);
    this.referrers = new HttpReferrers(this.transport, this, (n) => this.stats_.download(n));
  }

  async ping(options?: CallOptions): Promise<void> {
    await drain(await this.transport.send({ method: 'GET', url: '/v2/', scopes: [], signal: options?.signal }));
  }

  async listRepositories(options?: CallOptions): Promise<string[]> {
    const onBytes = (n: number): void => this.stats_.download(n);
    const repositories = await listAll(this.transport, {
      path: '/v2/_catalog',
      key: 'repositories',
      scopes: [CATALOG_SCOPE],
      pageSize: this.pageSize,
      onBytes,
      signal: options?.signal,
    });
    // A 404 here means "no catalog API", not "no repositories": an empty list would plan nothing, silently.
    if (repositories === null) {
      throw new RegsyncError(`${this.name} does not offer the catalog API (GET /v2/_catalog answered 404)`, {
        code: 'UNSUPPORTED',
        host: this.name,
        status: 404,
      });
    }
    return repositories;
  }

  async listTags(repository: string, options?: CallOptions): Promise<string[]> {
    repository = this.canonical(repository);
    const onBytes = (n: number): void => this.stats_.download(n);
    const path = `/v2/${repository}/tags/list`;
    return (
      (await listAll(this.transport, {
        path,
        key: 'tags',
        scopes: [pullScope(repository)],
        repository,
        pageSize: this.pageSize,
        onBytes,
        signal: options?.signal,
      })) ?? []
    );
  }

  async headManifest(repository: string, reference: string, options?: CallOptions): Promise<Descriptor | null> {
    repository = this.canonical(repository);
    const response = await this.transport.send(manifestRead('HEAD', repository, reference, options, presentOrNot));
    // A HEAD has no body: its empty stream is let end (which frees the connection) with no promise to wait on.
    if (response.bodiless === true) response.body.resume();
    else await drain(response);
    if (response.status === 404) return null;
    const digest = response.headers.get('docker-content-digest');
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    const size = Number(response.headers.get('content-length') ?? 'NaN');
    if (digest && isDigest(digest) && mediaType && Number.isInteger(size)) return { mediaType, digest, size };
    // The registry did not say (some proxies strip the header): read it and hash.
    try {
      return (await this.getManifest(repository, reference, options)).descriptor;
    } catch (error) {
      if (error instanceof RegsyncError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  async getManifest(repository: string, reference: string, options?: CallOptions): Promise<FetchedManifest> {
    repository = this.canonical(repository);
    const where = `${this.name}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    const known = isDigest(reference) ? this.memo?.get(this.name, repository, reference) : null;
    if (known) return this.parsed(known.bytes, reference, known.contentType, where);
    const { response, bytes } = await this.transport.sendAndRead(manifestRead('GET', repository, reference, options), MAX_MANIFEST_BYTES);
    if (bytes === null) {
      throw new RegsyncError(`manifest ${where} is larger than ${MAX_MANIFEST_BYTES} bytes: refusing it`, {
        code: 'MANIFEST_INVALID',
        host: this.name,
        repository,
        reference,
      });
    }
    this.stats_.download(bytes.length);
    const digest = sha256Digest(bytes);
    const claimed = response.headers.get('docker-content-digest');
    const expected = isDigest(reference) ? reference : claimed !== null && claimed.startsWith('sha256:') ? claimed : null;
    if (expected !== null && expected !== digest) {
      throw new RegsyncError(
        `manifest ${where} does not match its digest: expected ${expected}, the bytes hash to ${digest}; refusing it`,
        {
          code: 'DIGEST_MISMATCH',
          host: this.name,
          repository,
          reference,
        },
      );
    }
    const contentType = response.headers.get('content-type');
    this.memo?.set(this.name, repository, digest, { bytes, contentType });
    return this.parsed(bytes, digest, contentType, where);
  }

  private parsed(bytes: Buffer, digest: string, contentType: string | null, where: string): FetchedManifest {
    const manifest = parseManifest(bytes, contentType, where);
    return { descriptor: { mediaType: manifest.mediaType, digest, size: bytes.length }, bytes, manifest };
  }

  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string, options?: CallOptions): Promise<string> {
    repository = this.canonical(repository);
    const response = await this.transport.send({
      method: 'PUT',
      url: manifestPath(repository, reference),
      headers: { 'content-type': mediaType },
      body: bytes,
      scopes: [pushScope(repository)],
      repository,
      reference,
      signal: options?.signal,
    });
    await drain(response);
    this.stats_.upload(bytes.length);
    const stored = response.headers.get('docker-content-digest');
    return stored && isDigest(stored) ? stored : sha256Digest(bytes);
  }

  /** The referrers of `digest`: the OCI 1.1 API, or the `sha256-<hex>` fallback tag on a host without it (remembered per run). */
  listReferrers(repository: string, digest: string, options?: ListReferrersOptions): Promise<ReferrersListing> {
    return this.referrers.list(this.canonical(repository), digest, options);
  }

  headBlob(repository: string, digest: string, options?: CallOptions): Promise<Descriptor | null> {
    return this.blobs.head(this.canonical(repository), digest, options?.signal);
  }

  getBlob(repository: string, digest: string, options?: BlobReadOptions): Promise<BlobStream> {
    repository = this.canonical(repository);
    // An image config the plan read: its verified bytes, as a stream, instead of a second GET.
    const known = this.memo?.get(this.name, repository, digest);
    if (known) return Promise.resolve({ size: known.bytes.length, stream: Readable.from([known.bytes]) });
    return this.blobs.get(repository, digest, options?.signal, options?.budget);
  }

  async getBlobBytes(repository: string, digest: string, options?: CallOptions): Promise<Buffer> {
    repository = this.canonical(repository);
    const known = this.memo?.get(this.name, repository, digest);
    if (known) return known.bytes;
    const bytes = await this.blobs.getBytes(repository, digest, options?.signal);
    this.memo?.set(this.name, repository, digest, { bytes, contentType: null });
    return bytes;
  }

  /** One attempt: a stream is sent once (the copy ladder restarts a failed one from a fresh GET). */
  uploadBlob(repository: string, digest: string, size: number, body: Readable, options?: UploadOptions): Promise<void> {
    return this.blobs.upload(this.canonical(repository), digest, size, body, options?.signal, options?.session);
  }

  async openUpload(repository: string, options?: CallOptions): Promise<UploadSession> {
    repository = this.canonical(repository);
    return { repository, location: await this.blobs.startUpload(repository, options?.signal) };
  }

  mountBlob(repository: string, digest: string, fromRepository: string, options?: CallOptions): Promise<MountResult> {
    return this.blobs.mount(this.canonical(repository), digest, this.canonical(fromRepository), options?.signal);
  }

  cancelUpload(session: UploadSession): Promise<void> {
    return this.blobs.cancelSession(session);
  }

  /** A copy into `targetRepository` (mounting from `mountFromRepository` on this host) asks for one token covering both. */
  announceCopy(targetRepository: string, mountFromRepository?: string): void {
    targetRepository = this.canonical(targetRepository);
    mountFromRepository = mountFromRepository === undefined ? undefined : this.canonical(mountFromRepository);
    const scopes = [pushScope(targetRepository), ...(mountFromRepository ? [pullScope(mountFromRepository)] : [])];
    this.auth.relate(mountFromRepository ? [targetRepository, mountFromRepository] : [targetRepository], scopes);
  }

  async deleteManifest(repository: string, digest: string, options?: CallOptions): Promise<void> {
    repository = this.canonical(repository);
    if (!isDigest(digest)) {
      throw new RegsyncError(`manifests are deleted by digest, not by tag (${repository}:${digest})`, {
        code: 'USAGE',
        host: this.name,
        repository,
        reference: digest,
      });
    }
    const response = await this.transport.send({
      method: 'DELETE',
      url: manifestPath(repository, digest),
      scopes: [`repository:${repository}:delete`],
      repository,
      reference: digest,
      signal: options?.signal,
    });
    await drain(response);
  }

  stats(): RequestStats {
    return this.stats_.snapshot();
  }

  /** What this host last said about its pull budget; null when it sends no rate-limit headers. */
  rateLimit(): RateLimit | null {
    return this.rateLimits_.snapshot();
  }

  /** Set while the host says its pull budget is spent (remaining 0, or a 429 asking to wait beyond a retry). */
  rateLimitReached(): RateLimitReached | null {
    return this.rateLimits_.reached();
  }

  close(): Promise<void> {
    this.agent_?.destroy();
    this.transport.close();
    return Promise.resolve();
  }
}
