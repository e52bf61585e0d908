import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { RegsyncError } from '../../util/errors.js';
import { extraCaCertificates } from './extra-ca.js';
import type { HostOptions } from '../types.js';

/** localhost, 127.0.0.0/8 and [::1]: Docker speaks plain HTTP to these, and so do we unless told otherwise. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

export type TlsMode = 'enabled' | 'insecure' | 'disabled';

export function effectiveTls(host: string, options: HostOptions): TlsMode {
  return options.tls ?? (isLoopbackHost(host) ? 'disabled' : 'enabled');
}

export function baseUrl(host: string, tls: TlsMode): string {
  return `${tls === 'disabled' ? 'http' : 'https'}://${host}`;
}

/** How long an idle connection is kept: under the 5 s that Node servers (and many proxies) keep theirs. */
const IDLE_KEEP_MS = 4_000;

/**
 * One keep-alive connection pool for one host, with that host's TLS settings (and no others): connections
 * are reused for every request, HEAD included, and over TLS sessions are resumed. The agent sets no cap of
 * its own: the transport's slots bound the connections in use (a slot is held until its body is finished),
 * and a queue inside the agent could deadlock an upload behind the download that feeds it.
 */
export function createHostAgent(host: string, options: HostOptions): HttpAgent {
  const tls = effectiveTls(host, options);
  const common = { keepAlive: true, maxFreeSockets: options.maxConcurrency ?? 8, timeout: IDLE_KEEP_MS, scheduling: 'lifo' as const };
  if (tls === 'disabled') return new HttpAgent(common);
  const secure: { rejectUnauthorized?: boolean; ca?: string[] } = {};
  if (tls === 'insecure') secure.rejectUnauthorized = false;
  // An explicit `ca` replaces Node's defaults, NODE_EXTRA_CA_CERTS included; keep the machine's extra CAs trusted.
  if (tls === 'enabled' && options.caFile) {
    secure.ca = [...rootCertificates, ...extraCaCertificates(process.env), readCaFile(host, options.caFile)];
  }
  return new HttpsAgent({ ...common, ...secure });
}

function readCaFile(host: string, caFile: string): string {
  try {
    return readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new RegsyncError(`cannot read caFile ${caFile} for ${host}: ${(error as Error).message}`, {
      code: 'TLS',
      host,
      cause: error,
      hint: { kind: 'ca-file', host },
    });
  }
}

/** A pool for other origins (redirect targets, token services): default, verified TLS. */
export function createForeignAgent(protocol: string): HttpAgent {
  const options = { keepAlive: true, timeout: IDLE_KEEP_MS };
  return protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
}

const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
]);

const TLS_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown issuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown issuer',
  CERT_HAS_EXPIRED: 'certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this host',
};

const TIMEOUT_CODES = new Set(['REGSYNC_TIMEOUT']);

/** `30s`, or `1500ms` when not a whole number of seconds: how a timeout is named in messages. */
function formatTimeout(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Whether a request failed because the host's `timeout` passed without headers or body bytes. */
function isTimeout(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Why a request failed, in words: `timed out after 30s`, or the innermost error's message. */
export function failureReason(error: unknown, timeoutMs: number): string {
  return isTimeout(error) ? `timed out after ${formatTimeout(timeoutMs)}` : rootCause(error).message;
}

/** The innermost error with a `code` (errors may wrap their cause). */
function rootCause(error: unknown): { code: string | undefined; message: string } {
  let current: unknown = error;
  let found: { code: string | undefined; message: string } = { code: undefined, message: String((error as Error)?.message ?? error) };
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof message === 'string' && message !== 'fetch failed') found = { code: typeof code === 'string' ? code : found.code, message };
    else if (typeof code === 'string') found = { ...found, code };
    current = (current as { cause?: unknown }).cause;
  }
  return found;
}

/** A TLS problem that retrying cannot fix, as a RegsyncError with a hint of what to change; null for other errors. */
export function tlsError(error: unknown, host: string): RegsyncError | null {
  const { code, message } = rootCause(error);
  if (code && TLS_TRUST_CODES.has(code)) {
    const reason = TLS_REASONS[code] ?? message;
    return new RegsyncError(`TLS certificate of ${host} is not trusted (${reason})`, {
      code: 'TLS',
      host,
      cause: error,
      details: message,
      hint: { kind: 'tls-untrusted', host },
    });
  }
  if (/wrong version number|packet length too long|EPROTO/i.test(`${code ?? ''} ${message}`)) {
    return new RegsyncError(`${host} does not speak TLS`, {
      code: 'TLS',
      host,
      cause: error,
      details: message,
      hint: { kind: 'tls-unsupported', host },
    });
  }
  return null;
}
