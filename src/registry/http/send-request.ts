import type { Body, Method } from './exchange.js';

/** One request as the transport sends it (with its retries, auth and accounting) and as Connections carries it out. */
export interface SendRequest {
  method: Method;
  /** A path on the registry (`/v2/...`) or an absolute URL (an upload Location). */
  url: string | URL;
  headers?: Record<string, string>;
  /** Buffers and strings are resent on retries; a stream is sent once. */
  body?: Body;
  /** Token scopes the request needs (`repository:x:pull`). */
  scopes: string[];
  repository?: string;
  reference?: string;
  /** Statuses handed back to the caller instead of becoming errors; default: 2xx. */
  accept?: (status: number) => boolean;
  /** Aborts the request, its retries and its response body. */
  signal?: AbortSignal | undefined;
  /** The body is handed to the caller to stream at its pace (a blob download), not read at once. */
  streamsBody?: boolean;
  /** A manifest request: its GETs are counted per host and its rate-limit headers recorded. */
  manifest?: boolean;
}
