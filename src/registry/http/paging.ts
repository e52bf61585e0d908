import type { Transport } from './transport.js';
import { nextLink } from './link.js';
import { RegsyncError } from '../../util/errors.js';
import { statusError } from './errors.js';

export interface ListRequest {
  /** `/v2/_catalog` or `/v2/<name>/tags/list`. */
  path: string;
  key: 'repositories' | 'tags';
  scopes: string[];
  repository?: string;
  pageSize: number;
  /** Counts downloaded bytes. */
  onBytes: (bytes: number) => void;
  signal?: AbortSignal | undefined;
}

/**
 * Every entry of a paginated list: follows `Link: <...>; rel="next"`; when a registry sends no Link but a
 * full page, asks again with `last=` (registries that ignore `n` return everything at once and stop there).
 * There is no page limit; a page that adds nothing new ends the walk so a registry ignoring `last` cannot loop us.
 * Returns null when the list does not exist (404).
 */
export async function listAll(transport: Transport, request: ListRequest): Promise<string[] | null> {
  const seen = new Set<string>();
  let pageSize: number | null = request.pageSize;
  let url: URL | null = new URL(`${request.path}?n=${request.pageSize}`, transport.base);
  while (url !== null) {
    const { response, bytes } = await transport.sendAndRead(
      {
        method: 'GET',
        url,
        headers: { accept: 'application/json' },
        scopes: request.scopes,
        ...(request.repository ? { repository: request.repository } : {}),
        signal: request.signal,
        accept: (status) => status === 200 || status === 404 || (status === 400 && url?.searchParams.has('n') === true),
      },
      256 << 20,
    );
    if (response.status === 404) return seen.size === 0 ? null : [...seen];
    if (bytes === null) {
      throw new RegsyncError(`${transport.host}${request.path} answered a list larger than 256 MiB`, {
        code: 'REGISTRY',
        host: transport.host,
      });
    }
    if (response.status === 400) {
      // Distribution answers PAGINATION_NUMBER_INVALID when n exceeds its catalog.maxentries (1000 by
      // default, often less): ask again without n and let the registry's own page size and Link lead.
      const body = bytes.subarray(0, 64 * 1024).toString();
      if (!/PAGINATION_NUMBER_INVALID/.test(body))
        throw statusError({ method: 'GET', host: transport.host, path: url.pathname, repository: request.repository }, 400, body);
      url.searchParams.delete('n');
      pageSize = null;
      continue;
    }
    const text = bytes.toString();
    request.onBytes(bytes.length);
    let page: unknown;
    try {
      page = (JSON.parse(text) as Record<string, unknown>)[request.key];
    } catch {
      throw new RegsyncError(`${transport.host}${request.path} did not answer JSON`, { code: 'REGISTRY', host: transport.host });
    }
    if (page !== null && page !== undefined && !Array.isArray(page)) {
      throw new RegsyncError(`${transport.host}${request.path}: "${request.key}" is not a list`, {
        code: 'REGISTRY',
        host: transport.host,
      });
    }
    const entries = (page ?? []).filter((entry): entry is string => typeof entry === 'string');
    const before = seen.size;
    for (const entry of entries) seen.add(entry);
    if (seen.size === before) break;
    const current: URL = url;
    url = nextLink(response.headers.get('link'), current);
    if (url === null && pageSize !== null && entries.length >= pageSize) {
      url = new URL(request.path, current);
      url.searchParams.set('last', entries[entries.length - 1] ?? '');
      url.searchParams.set('n', String(pageSize));
    }
    if (url === null) break;
  }
  return [...seen];
}
