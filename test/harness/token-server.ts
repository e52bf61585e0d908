import { createHash, createPrivateKey, createPublicKey, randomBytes, randomUUID, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execTool } from './exec.js';
import { makeTempDir, removeTempDir } from './temp.js';

/** A Docker token-auth server (the kind Distribution's `auth: token` trusts), for Bearer tests. */
export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate bundle for the registry's rootcertbundle. */
  certFile: string;
  /** username -> password; edit it to add users while the server runs. */
  users: Record<string, string>;
  /** Every token request seen. `username` is the one presented (null when anonymous); `status` is our answer. */
  requests: Array<{ method: string; scopes: string[]; username: string | null; status?: number }>;
  /** Every token and refresh token handed out: secrets a test can check that no output contains. */
  issued: string[];
  stop(): Promise<void>;
}

const ALL_ACTIONS = ['pull', 'push', 'delete'];

/** Distribution 2.8 only accepts a libtrust key ID as `kid` (LAB.md): base32 of the first 240 bits of sha256(SPKI DER). */
export function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const hash = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of hash) bits += byte.toString(2).padStart(8, '0');
  let encoded = '';
  for (let i = 0; i + 5 <= bits.length; i += 5) encoded += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return encoded.match(/.{4}/g)!.join(':');
}

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** `repository:NAME:pull,push` — NAME never holds a colon in the registries we run. */
function parseScope(scope: string): Access | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return null;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

/** Anonymous callers may pull (and list the catalog); authenticated users get every action they ask for. */
function grant(access: Access, authenticated: boolean): Access {
  if (access.type === 'registry') return { ...access, actions: access.actions.filter((a) => a === '*') };
  const allowed = authenticated ? ALL_ACTIONS : ['pull'];
  const actions = access.actions.includes('*') && authenticated ? ALL_ACTIONS : access.actions.filter((a) => allowed.includes(a));
  return { ...access, actions };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function decodeBasic(header: string | undefined): { username: string; password: string } | null {
  if (!header?.toLowerCase().startsWith('basic ')) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Anonymous: pull only. Valid Basic credentials: pull,push,delete on any repository asked. Wrong credentials: 401. */
export async function startTokenServer(options: { users?: Record<string, string> } = {}): Promise<TokenServer> {
  const dir = await makeTempDir('token');
  const keyFile = join(dir, 'token-key.pem');
  const certFile = join(dir, 'token-cert.pem');
  // Node cannot make X.509 certificates, and the registry's rootcertbundle must hold one (LAB.md).
  await execTool('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '30',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-subj',
    '/CN=regsync-test-token-issuer',
  ]);
  const privateKey = createPrivateKey(readFileSync(keyFile));
  const kid = libtrustKeyId(createPublicKey(privateKey));
  const service = 'regsync-test-registry';
  const issuer = 'regsync-test-issuer';
  const users: Record<string, string> = { ...(options.users ?? { tester: randomBytes(12).toString('hex') }) };
  const requests: TokenServer['requests'] = [];
  const issued: string[] = [];
  const refreshTokens = new Map<string, string>();

  const makeToken = (subject: string, access: Access[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
    // `aud` must be a plain string: Distribution 2.8 rejects an array.
    const claims = base64url(
      JSON.stringify({ iss: issuer, sub: subject, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }),
    );
    const signature = sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), privateKey);
    return `${header}.${claims}.${base64url(signature)}`;
  };

  const answer = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token') return answer(response, 404, { error: 'not found' });
    let scopes = url.searchParams.getAll('scope');
    let presented = decodeBasic(request.headers.authorization);
    let refreshUser: string | null = null;
    let offline = url.searchParams.get('offline_token') === 'true';
    if (request.method === 'POST') {
      const form = new URLSearchParams(await readBody(request));
      scopes = form
        .getAll('scope')
        .flatMap((s) => s.split(' '))
        .filter(Boolean);
      const grantType = form.get('grant_type');
      if (grantType === 'password') {
        presented = { username: form.get('username') ?? '', password: form.get('password') ?? '' };
        offline = true;
      } else if (grantType === 'refresh_token') {
        refreshUser = refreshTokens.get(form.get('refresh_token') ?? '') ?? null;
        const record = { method: 'POST', scopes, username: refreshUser, status: refreshUser ? 200 : 401 };
        requests.push(record);
        if (!refreshUser) return answer(response, 401, { error: 'invalid_grant' });
      } else {
        requests.push({ method: 'POST', scopes, username: null, status: 400 });
        return answer(response, 400, { error: 'unsupported_grant_type' });
      }
    } else if (request.method !== 'GET') {
      return answer(response, 405, { error: 'method not allowed' });
    }
    let subject = refreshUser ?? '';
    if (refreshUser === null && presented !== null) {
      const ok = Object.prototype.hasOwnProperty.call(users, presented.username) && users[presented.username] === presented.password;
      requests.push({ method: request.method, scopes, username: presented.username, status: ok ? 200 : 401 });
      if (!ok)
        return answer(
          response,
          401,
          { errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] },
          { 'www-authenticate': 'Basic realm="regsync-test"' },
        );
      subject = presented.username;
    } else if (refreshUser === null) {
      requests.push({ method: request.method, scopes, username: null, status: 200 });
    }
    const authenticated = subject !== '';
    const access = scopes
      .map(parseScope)
      .filter((a): a is Access => a !== null)
      .map((a) => grant(a, authenticated));
    const token = makeToken(subject, access);
    issued.push(token);
    const body: Record<string, unknown> = { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() };
    if (authenticated && offline) {
      const refresh = randomBytes(24).toString('hex');
      refreshTokens.set(refresh, subject);
      issued.push(refresh);
      body.refresh_token = refresh;
    }
    return answer(response, 200, body);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => answer(response, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  // The server must not keep a finished test file alive.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    users,
    requests,
    issued,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await removeTempDir(dir);
    },
  };
}
