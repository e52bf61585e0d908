import { RegsyncError } from '../../util/errors.js';
import { redactUrl } from '../../util/redact.js';
import { parseChallenges } from './challenge.js';
import { credentialSecrets, describeCredentials } from '../../credentials/index.js';
import type { Credentials } from '../../credentials/index.js';
import { registryErrorText } from './errors.js';
import type { RequestContext } from './errors.js';
import { mergeScopes, TokenCache } from './scopes.js';
import { KeyedInflight } from '../../util/keyed-inflight.js';

/** A small response, already read. */
export interface TokenResponse {
  status: number;
  text: string;
}

export interface HostAuthDeps {
  /** The host as written in the config, for messages. */
  host: string;
  /** Resolved once, on the first challenge (credential helpers are slow). */
  credentials: () => Promise<Credentials>;
  /** Sends a token request through the same transport (TLS, retries, counting); `signal` stops it and its backoff. */
  send: (
    url: URL,
    init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
    signal?: AbortSignal,
  ) => Promise<TokenResponse>;
  now?: () => number;
  log?: (line: string) => void;
}

type BearerMode = { kind: 'bearer'; realm: string; service: string | undefined };
type Mode = { kind: 'unknown' } | { kind: 'none' } | { kind: 'basic' } | BearerMode;

const DEFAULT_TOKEN_LIFETIME_SECONDS = 60;

/**
 * Authentication for one host, driven by its `WWW-Authenticate` challenge: nothing until the registry asks,
 * then Basic, or Bearer tokens cached per scope and shared by every request to the host.
 */
export class HostAuth {
  private mode: Mode = { kind: 'unknown' };
  private readonly tokens = new TokenCache();
  /** Token requests in flight per scope set: requests that need the same token wait for one request. */
  private readonly inflight = new KeyedInflight<string>();
  private readonly seenSecrets = new Set<string>();
  /** Scopes to ask for together with any scope on a repository (see `relate`): one token per copy. */
  private readonly related = new Map<string, string[]>();
  private basicHeader: string | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: HostAuthDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * From now on, a token for any of `repositories` also asks for `scopes` (the latest call wins, so the
   * list stays as small as one copy's needs). Tokens already cached are kept.
   */
  relate(repositories: string[], scopes: string[]): void {
    const merged = mergeScopes(scopes);
    for (const repository of repositories) this.related.set(repository, merged);
  }

  /** Every token and credential this host has handled, for redaction. */
  secrets(): string[] {
    return [...this.seenSecrets];
  }

  /**
   * The header `header` would give, when it is known without waiting (no scheme yet, Basic once built, a cached
   * token); undefined when a credential or token must be fetched first. Every request asks, so the common case
   * costs no promise.
   */
  headerNow(scopes: string[]): string | null | undefined {
    switch (this.mode.kind) {
      case 'unknown':
      case 'none':
        return null;
      case 'basic':
        return this.basicHeader;
      case 'bearer': {
        const cached = this.tokens.get(scopes, this.now());
        return cached === null ? undefined : `Bearer ${cached}`;
      }
    }
  }

  /**
   * The Authorization header to send up front, once the host's scheme is known; null otherwise. `signal` stops
   * the wait for a token (the token request itself stops once nobody waits for it).
   */
  async header(scopes: string[], signal?: AbortSignal): Promise<string | null> {
    if (this.mode.kind === 'basic') {
      const credentials = await this.credentials();
      if (credentials.kind !== 'basic') return null;
      // Built once: this runs for every request to a basic-auth host.
      this.basicHeader ??= `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      return this.basicHeader;
    }
    if (this.mode.kind === 'bearer') {
      const cached = this.tokens.get(scopes, this.now());
      return `Bearer ${cached ?? (await this.fetchToken(this.mode, scopes, signal))}`;
    }
    return null;
  }

  /**
   * Learns from a 401 and returns the header to try once more, or null when there is nothing better to
   * send (the caller then reports `failure`).
   */
  async challenged(wwwAuthenticate: string | null, scopes: string[], sent: string | null, signal?: AbortSignal): Promise<string | null> {
    const challenges = parseChallenges(wwwAuthenticate);
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
    const basic = challenges.find((challenge) => challenge.scheme === 'basic');
    if (bearer?.params.realm) {
      const mode: BearerMode = { kind: 'bearer', realm: bearer.params.realm, service: bearer.params.service };
      this.mode = mode;
      if (sent?.startsWith('Bearer ')) this.tokens.drop(sent.slice('Bearer '.length));
      // The registry names the scope it wants; ask for it too in case ours was not enough.
      const wanted = bearer.params.scope ? mergeScopes([...scopes, ...bearer.params.scope.split(' ')]) : scopes;
      // Requests sent together before the scheme was known (or with one refused token) all come back 401:
      // the first to get here fetches the token, the others find it in the cache or in flight.
      const cached = this.tokens.get(this.widen(wanted), this.now());
      const header = `Bearer ${cached ?? (await this.fetchToken(mode, wanted, signal))}`;
      return header === sent ? null : header;
    }
    if (basic) {
      this.mode = { kind: 'basic' };
      const header = await this.header(scopes, signal);
      return header === null || header === sent ? null : header;
    }
    return null;
  }

  /**
   * The error for a 401 that authenticating again did not fix. `challengeError` is the `error` of the challenge
   * this request was answered with (never another request's: the host's requests run at once).
   */
  async failure(context: RequestContext, challengeError?: string): Promise<RegsyncError> {
    const credentials = await this.credentials();
    const { host } = this.deps;
    const fields = { host, status: 401, repository: context.repository, reference: context.reference };
    if (credentials.kind === 'anonymous') {
      return new RegsyncError(`authentication required for ${host}`, {
        code: 'AUTH_REQUIRED',
        ...fields,
        hint: { kind: 'credentials', host },
      });
    }
    if (challengeError === 'insufficient_scope') {
      return new RegsyncError(
        `${host} refused ${context.method} ${context.path} ${describeCredentials(credentials)}: the account lacks access (insufficient_scope)`,
        { code: 'FORBIDDEN', ...fields, status: 401 },
      );
    }
    return new RegsyncError(`authentication failed for ${host} ${describeCredentials(credentials)}: check the username and password`, {
      code: 'AUTH_FAILED',
      ...fields,
    });
  }

  private async credentials(): Promise<Credentials> {
    const credentials = await this.deps.credentials();
    for (const secret of credentialSecrets(credentials)) this.seenSecrets.add(secret);
    return credentials;
  }

  /** `scopes` plus what `relate` attached to the repositories they name. */
  private widen(scopes: string[]): string[] {
    const extra = scopes.flatMap((scope) => {
      const match = /^repository:(.+):[^:]*$/.exec(scope);
      return (match?.[1] !== undefined && this.related.get(match[1])) || [];
    });
    return extra.length === 0 ? scopes : mergeScopes([...scopes, ...extra]);
  }

  // The token service is passed in rather than read from `this.mode`, so only a Bearer challenge can lead here.
  private fetchToken(mode: BearerMode, requested: string[], signal: AbortSignal | undefined): Promise<string> {
    const scopes = this.widen(requested);
    return this.inflight.runAbortable(TokenCache.key(scopes), signal, (stop) => this.requestToken(mode, mergeScopes(scopes), stop));
  }

  private async requestToken({ realm, service }: BearerMode, scopes: string[], signal: AbortSignal): Promise<string> {
    const credentials = await this.credentials();
    const { host } = this.deps;
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegsyncError(`${host} names an invalid token realm ${JSON.stringify(realm)}`, { code: 'REGISTRY', host });
    }
    let response: TokenResponse;
    if (credentials.kind === 'identityToken') {
      // Docker's refresh-token grant: what `docker login` leaves in config.json for token registries.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.token, client_id: 'regsync' });
      if (service) form.set('service', service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      response = await this.deps.send(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        },
        signal,
      );
    } else {
      if (service) url.searchParams.set('service', service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      const headers: Record<string, string> = {};
      if (credentials.kind === 'basic') {
        url.searchParams.set('account', credentials.username);
        headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      }
      response = await this.deps.send(url, { method: 'GET', headers }, signal);
    }
    const where = redactUrl(`${url.origin}${url.pathname}`);
    if (response.status === 401 || response.status === 403) {
      const anonymous = credentials.kind === 'anonymous';
      // `authentication failed for HOST as alice (...)`: the user name leads, as for Basic auth (it is no secret).
      throw new RegsyncError(
        anonymous
          ? `authentication required for ${host}: the token service ${where} refused ${describeCredentials(credentials)}`
          : `authentication failed for ${host} ${describeCredentials(credentials)}: the token service ${where} refused them: check the username and password`,
        {
          code: anonymous ? 'AUTH_REQUIRED' : 'AUTH_FAILED',
          host,
          status: response.status,
          ...(anonymous ? { hint: { kind: 'credentials', host } as const } : {}),
        },
      );
    }
    if (response.status !== 200) {
      throw new RegsyncError(
        `the token service ${where} of ${host} answered HTTP ${response.status} (${registryErrorText(response.text)})`,
        {
          code: 'REGISTRY',
          host,
          status: response.status,
        },
      );
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(response.text) as typeof body;
    } catch {
      throw new RegsyncError(`the token service ${where} of ${host} did not answer JSON`, { code: 'REGISTRY', host });
    }
    const token = typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '')
      throw new RegsyncError(`the token service ${where} of ${host} answered without a token`, { code: 'REGISTRY', host });
    this.seenSecrets.add(token);
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_LIFETIME_SECONDS;
    this.tokens.set(scopes, token, expiresIn, this.now());
    this.deps.log?.(
      `${host}: bearer token for ${scopes.join(' ') || '(no scope)'} ${describeCredentials(credentials)}, valid ${expiresIn} s`,
    );
    return token;
  }
}
