import { readFileSync } from 'node:fs';
import { Agent, fetch } from 'undici';
import type { RequestInit, Response } from 'undici';

/** Where and how to reach a registry from the harness (a RegistryInstance fits). */
export interface HarnessTarget {
  url: string;
  credentials?: { username: string; password: string } | null;
  caFile?: string | null;
}

const agents = new Map<string, Agent>();

/** One undici Agent per CA file: the CA is passed explicitly, NODE_EXTRA_CA_CERTS is never relied on. */
export function agentFor(caFile: string | null | undefined): Agent {
  const key = caFile ?? '';
  let agent = agents.get(key);
  if (agent === undefined) {
    agent = new Agent(caFile ? { connect: { ca: readFileSync(caFile, 'utf8') } } : {});
    agents.set(key, agent);
  }
  return agent;
}

export async function rawFetch(url: string, init: RequestInit = {}, caFile?: string | null): Promise<Response> {
  return fetch(url, { ...init, dispatcher: init.dispatcher ?? agentFor(caFile) });
}

export function basicAuth(credentials: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** Parses `Bearer realm="...",service="...",scope="..."` (scope may hold commas inside quotes). */
export function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } | null {
  if (header === null) return null;
  const match = /^(\w+)\s*(.*)$/s.exec(header.trim());
  if (match === null) return null;
  const params: Record<string, string> = {};
  for (const part of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) params[part[1]!.toLowerCase()] = part[2]!;
  return { scheme: match[1]!.toLowerCase(), params };
}

/**
 * A tiny registry client for seeding and raw checks, independent of regsync's own client so
 * tests do not verify the client with itself. Answers Basic and Bearer challenges, caching one
 * token per scope.
 */
export class HarnessClient {
  private readonly tokens = new Map<string, string>();
  private readonly pendingTokens = new Map<string, Promise<string>>();
  private basicOk = false;

  constructor(readonly target: HarnessTarget) {}

  async request(
    path: string,
    init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> } = {},
    scopeHint?: string,
  ): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.target.url.replace(/\/$/, '')}${path}`;
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const cached = scopeHint ? this.tokens.get(scopeHint) : undefined;
    if (cached) headers.authorization = `Bearer ${cached}`;
    else if (this.basicOk && this.target.credentials) headers.authorization = basicAuth(this.target.credentials);
    const response = await rawFetch(url, { ...init, headers }, this.target.caFile);
    if (response.status !== 401) return response;
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    if (challenge === null) return response;
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string' && !Buffer.isBuffer(init.body)) return response;
    await response.body?.cancel();
    if (challenge.scheme === 'basic') {
      if (!this.target.credentials) return rawFetch(url, { ...init, headers }, this.target.caFile);
      this.basicOk = true;
      return rawFetch(url, { ...init, headers: { ...headers, authorization: basicAuth(this.target.credentials) } }, this.target.caFile);
    }
    if (challenge.scheme === 'bearer') {
      // Ask for the caller's scope (e.g. pull,push) rather than the challenge's, so one token serves a whole push.
      const scope = scopeHint ?? challenge.params.scope ?? '';
      // Parallel blob uploads hit the same challenge at once: share one token request.
      let pending = this.pendingTokens.get(scope);
      if (pending === undefined) {
        pending = this.fetchToken({ ...challenge.params, scope }).finally(() => this.pendingTokens.delete(scope));
        this.pendingTokens.set(scope, pending);
      }
      const token = await pending;
      this.tokens.set(scope, token);
      return rawFetch(url, { ...init, headers: { ...headers, authorization: `Bearer ${token}` } }, this.target.caFile);
    }
    return response;
  }

  private async fetchToken(params: Record<string, string>): Promise<string> {
    const realm = params.realm;
    if (!realm) throw new Error('Bearer challenge without realm');
    const tokenUrl = new URL(realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    for (const scope of (params.scope ?? '').split(' ').filter(Boolean)) tokenUrl.searchParams.append('scope', scope);
    const headers: Record<string, string> = {};
    if (this.target.credentials) headers.authorization = basicAuth(this.target.credentials);
    const response = await rawFetch(tokenUrl.toString(), { headers }, this.target.caFile);
    if (!response.ok) throw new Error(`token request to ${tokenUrl.origin} failed: HTTP ${response.status}`);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`token response from ${tokenUrl.origin} has no token`);
    return token;
  }
}
