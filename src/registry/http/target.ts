/**
 * Where one request goes, with the parts node:http and the messages need already split: built once per host
 * for its own paths (no URL parsing per request, no `urlToHttpOptions`), or from a URL for absolute ones (upload
 * Locations, redirects, token services).
 */
export interface Target {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
  /** `host[:port]`, as a URL's `host`. */
  readonly host: string;
  readonly origin: string;
  readonly pathname: string;
  /** Path and query: what goes on the request line. */
  readonly path: string;
  readonly href: string;
}

/** A target from a URL (absolute addresses). */
export function targetOf(url: URL): Target {
  return {
    protocol: url.protocol,
    // node:http wants an IPv6 literal without its brackets.
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port,
    host: url.host,
    origin: url.origin,
    pathname: url.pathname,
    path: `${url.pathname}${url.search}`,
    href: url.href,
  };
}

/**
 * The targets of one host: a path on it (`/v2/...`, the common case) reuses the host's parts; anything else is
 * parsed against the host's base.
 */
export class Targets {
  private readonly base: Target;

  constructor(base: string) {
    this.base = targetOf(new URL(base));
  }

  get origin(): string {
    return this.base.origin;
  }

  of(url: string | URL): Target {
    if (typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') && !url.includes('#')) {
      const query = url.indexOf('?');
      const pathname = query < 0 ? url : url.slice(0, query);
      const { protocol, hostname, port, host, origin } = this.base;
      return { protocol, hostname, port, host, origin, pathname, path: url, href: `${origin}${url}` };
    }
    return targetOf(typeof url === 'string' ? new URL(url, this.base.href) : url);
  }
}
