/**
 * A small Docker Engine API client over `node:http`. Not dockerode: regsync needs seven endpoints, and dockerode
 * would bring a dependency tree (docker-modem, and ssh2 with its optional native parts) whose loading alone costs
 * start-up time on every run; `ssh://` hosts and contexts stay with the docker CLI path instead.
 */
import { Agent, request } from 'node:http';
import type { IncomingMessage } from 'node:http';

/** The newest API version this client was written and tested against (Docker 20.10 speaks 1.41). */
export const KNOWN_GOOD_API_VERSION = '1.41';

/** Where the engine listens: a unix socket or a plain TCP address. */
export interface EngineEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
  /** As DOCKER_HOST writes it, for the log line and messages. */
  display: string;
}

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/** The endpoint DOCKER_HOST names (unset: the default socket); null for what only the CLI can reach (ssh://, npipe://). */
export function engineEndpoint(dockerHost: string | undefined): EngineEndpoint | null {
  if (dockerHost === undefined || dockerHost === '') return { socketPath: DEFAULT_SOCKET, display: `unix://${DEFAULT_SOCKET}` };
  if (dockerHost.startsWith('unix://')) {
    const socketPath = dockerHost.slice('unix://'.length);
    return socketPath === '' ? null : { socketPath, display: dockerHost };
  }
  if (dockerHost.startsWith('tcp://')) {
    let url: URL;
    try {
      url = new URL(`http://${dockerHost.slice('tcp://'.length)}`);
    } catch {
      return null;
    }
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 2375 : Number(url.port), display: dockerHost };
  }
  return null;
}

/** `1.43` → [1, 43], for comparing. */
function versionParts(version: string): [number, number] {
  const [major = '0', minor = '0'] = version.split('.');
  return [Number(major) || 0, Number(minor) || 0];
}

/** The lower of two API versions. */
export function lowerVersion(a: string, b: string): string {
  const [am, an] = versionParts(a);
  const [bm, bn] = versionParts(b);
  return am < bm || (am === bm && an < bn) ? a : b;
}

export interface SendOptions {
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/** The engine could not be reached at all (no socket, connection refused): the CLI's words for it. */
export class EngineUnreachable extends Error {}

/** Reads a whole response body. */
export async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The engine's message in an error response (`{"message": "..."}`), else its status. */
export async function errorMessage(response: IncomingMessage): Promise<string> {
  const text = await readBody(response);
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string' && parsed.message !== '') return parsed.message;
  } catch {
    // Not JSON: the text itself below.
  }
  return text.trim() || `HTTP ${String(response.statusCode)}`;
}

/** One connection pool per run, kept alive between the copies' requests; the API version found by negotiate(). */
export class EngineHttp {
  private readonly agent = new Agent({ keepAlive: true });
  private prefix = '';
  version = KNOWN_GOOD_API_VERSION;

  constructor(readonly endpoint: EngineEndpoint) {}

  /** GET /_ping: the engine's API version (its `Api-Version` header, else /version); uses the lower of it and ours. */
  async negotiate(signal?: AbortSignal): Promise<string> {
    const ping = await this.send('GET', '/_ping', { signal });
    const header = ping.headers['api-version'];
    await readBody(ping);
    let server = typeof header === 'string' && header !== '' ? header : null;
    if (server === null) {
      const response = await this.send('GET', '/version', { signal });
      const body = JSON.parse(await readBody(response)) as { ApiVersion?: unknown };
      server = typeof body.ApiVersion === 'string' ? body.ApiVersion : KNOWN_GOOD_API_VERSION;
    }
    this.version = lowerVersion(server, KNOWN_GOOD_API_VERSION);
    this.prefix = `/v${this.version}`;
    return this.version;
  }

  /** One request; resolves with the response whatever its status (the caller reads or drains the body). */
  send(method: string, path: string, options: SendOptions = {}): Promise<IncomingMessage> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) query.set(key, value);
    const encoded = query.toString();
    const search = encoded !== '' ? `?${encoded}` : '';
    const { socketPath, host, port } = this.endpoint;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          method,
          path: `${path === '/_ping' ? '' : this.prefix}${path}${search}`,
          agent: this.agent,
          ...(socketPath !== undefined ? { socketPath } : { host, port }),
          headers: { Host: 'docker', ...options.headers },
          ...(options.signal !== undefined ? { signal: options.signal } : {}),
        },
        resolve,
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE'].includes(error.code ?? '') && !options.signal?.aborted) {
          const why = error.code === 'EACCES' ? 'permission denied' : 'Is the docker daemon running?';
          reject(new EngineUnreachable(`Cannot connect to the Docker daemon at ${this.endpoint.display}. ${why}`));
        } else reject(error);
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
