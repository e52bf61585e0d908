import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { onProcessExit } from './exit.js';

/**
 * A registry WITH the OCI 1.1 referrers API, for tests: no registry installable here implements it (Distribution
 * 2.8 answers 404), so this proxy sits in front of a real one, forwards everything, remembers every manifest PUT
 * through it whose body has a `subject`, and answers `GET /v2/<name>/referrers/<digest>` from those, as the
 * distribution spec says: an image index of descriptors with artifactType and annotations, paged by `Link`, the
 * `artifactType` filter applied (and `OCI-Filters-Applied: artifactType` sent) only when `filters` is true. A manifest
 * deleted by digest through it is listed no more.
 */
export interface ReferrersServer {
  /** "127.0.0.1:PORT", to use as the registry host. */
  host: string;
  url: string;
  /** Every referrers request, path and query, in arrival order. */
  readonly listings: string[];
  stop(): Promise<void>;
}

export interface ReferrersServerOptions {
  /** Descriptors per page (Link: rel="next" to the next); default 100. */
  pageSize?: number;
  /** Whether the server applies the artifactType filter itself; default true. */
  filters?: boolean;
  /** Digests never listed although pushed: a registry that lost an entry (for apply's proof). */
  hide?: string[];
  /** Repositories whose referrer listings fail (422 with an OCI error body, not retried): a listing that breaks. */
  failRepositories?: string[];
}

interface Stored {
  descriptor: Record<string, unknown>;
}

export async function startReferrersServer(upstream: { host: string }, options: ReferrersServerOptions = {}): Promise<ReferrersServer> {
  const [upstreamHost, upstreamPort] = upstream.host.split(':');
  const pageSize = options.pageSize ?? 100;
  const filters = options.filters ?? true;
  /** key `${repository}@${subjectDigest}` → referrers in push order. */
  const bySubject = new Map<string, Stored[]>();
  const listings: string[] = [];

  const answerReferrers = (res: ServerResponse, url: URL, repository: string, subject: string): void => {
    listings.push(url.pathname + url.search);
    if ((options.failRepositories ?? []).includes(repository)) {
      const error = JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: 'referrers listing broken for this test' }] });
      res.writeHead(422, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(error) });
      res.end(error);
      return;
    }
    const artifactType = url.searchParams.get('artifactType');
    let entries = (bySubject.get(`${repository}@${subject}`) ?? []).map((stored) => stored.descriptor);
    if (filters && artifactType !== null) entries = entries.filter((entry) => entry.artifactType === artifactType);
    entries = entries.filter((entry) => !(options.hide ?? []).includes(String(entry.digest)));
    const start = Number(url.searchParams.get('page') ?? '0');
    const page = entries.slice(start, start + pageSize);
    const headers: OutgoingHttpHeaders = { 'content-type': 'application/vnd.oci.image.index.v1+json' };
    if (filters && artifactType !== null) headers['oci-filters-applied'] = 'artifactType';
    if (start + pageSize < entries.length) {
      const next = new URL(url.pathname, url);
      if (artifactType !== null) next.searchParams.set('artifactType', artifactType);
      next.searchParams.set('page', String(start + pageSize));
      headers.link = `<${next.pathname}${next.search}>; rel="next"`;
    }
    const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: page });
    res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const remember = (repository: string, body: Buffer, contentType: string): void => {
    let manifest: Record<string, unknown>;
    try {
      manifest = JSON.parse(body.toString()) as Record<string, unknown>;
    } catch {
      return;
    }
    const subject = manifest.subject as { digest?: string } | undefined;
    if (typeof subject?.digest !== 'string') return;
    const config = manifest.config as { mediaType?: string } | undefined;
    const descriptor: Record<string, unknown> = {
      mediaType: manifest.mediaType ?? contentType,
      digest: `sha256:${createHash('sha256').update(body).digest('hex')}`,
      size: body.length,
      artifactType: manifest.artifactType ?? config?.mediaType,
    };
    if (manifest.annotations !== undefined) descriptor.annotations = manifest.annotations;
    const key = `${repository}@${subject.digest}`;
    const list = bySubject.get(key) ?? [];
    if (!list.some((stored) => stored.descriptor.digest === descriptor.digest)) list.push({ descriptor });
    bySubject.set(key, list);
  };

  const forget = (repository: string, digest: string): void => {
    for (const [key, list] of bySubject) {
      if (!key.startsWith(`${repository}@`)) continue;
      const kept = list.filter((stored) => stored.descriptor.digest !== digest);
      if (kept.length === list.length) continue;
      if (kept.length === 0) bySubject.delete(key);
      else bySubject.set(key, kept);
    }
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer | null): void => {
    const headers = { ...req.headers };
    delete headers.connection;
    const upstreamRequest = httpRequest(
      { host: upstreamHost, port: Number(upstreamPort), method: req.method, path: req.url, headers },
      (upstreamResponse) => {
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(res);
      },
    );
    upstreamRequest.on('error', () => res.destroy());
    if (body === null) req.pipe(upstreamRequest);
    else upstreamRequest.end(body);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const referrers = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
    if (req.method === 'GET' && referrers !== null) {
      req.resume();
      answerReferrers(res, url, referrers[1] ?? '', referrers[2] ?? '');
      return;
    }
    const manifest = /^\/v2\/(.+)\/manifests\/[^/]+$/.exec(url.pathname);
    if (req.method === 'PUT' && manifest !== null) {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        // Remembered only once the registry stored it, as a registry would list it.
        const originalEnd = res.end.bind(res);
        res.end = ((...args: Parameters<typeof res.end>) => {
          if (res.statusCode === 201) remember(manifest[1] ?? '', body, String(req.headers['content-type'] ?? ''));
          return originalEnd(...args);
        }) as typeof res.end;
        forward(req, res, body);
      });
      return;
    }
    // A manifest deleted by digest is no longer listed, as at a registry (prune's referrer deletes go through here).
    const deleted = /^\/v2\/(.+)\/manifests\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
    if (req.method === 'DELETE' && deleted !== null) {
      const originalEnd = res.end.bind(res);
      res.end = ((...args: Parameters<typeof res.end>) => {
        if (res.statusCode === 202) forget(deleted[1] ?? '', deleted[2] ?? '');
        return originalEnd(...args);
      }) as typeof res.end;
    }
    forward(req, res, null);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const stop = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  onProcessExit(() => server.close());
  return { host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, listings, stop };
}
