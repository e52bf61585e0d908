import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Agent as HttpAgent } from 'node:http';
import { RegsyncError } from '../../util/errors.js';
import type { ExtraCaCertificates } from './extra-ca.js';
import type { HostOptions } from '../types.js';
import type { TlsMode } from '../../oci/index.js';
import { keepAliveAgent } from './keep-alive.js';

/** localhost, 127.0.0.0/8 and [::1]: Docker speaks plain HTTP to these, and so do we unless told otherwise. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

export function effectiveTls(host: string, options: HostOptions): TlsMode {
  return options.tls ?? (isLoopbackHost(host) ? 'disabled' : 'enabled');
}

export function baseUrl(host: string, tls: TlsMode): string {
  return `${tls === 'disabled' ? 'http' : 'https'}://${host}`;
}

/**
 * One keep-alive connection pool for one host, with that host's TLS settings (and no others): connections
 * are reused for every request, HEAD included, and over TLS sessions are resumed. The agent sets no cap of
 * its own: the transport's slots bound the connections in use (a slot is held until its body is finished),
 * and a queue inside the agent could deadlock an upload behind the download that feeds it. `extraCa` is the
 * run's NODE_EXTRA_CA_CERTS (read once per run). `timeoutMs`: the host's timeout, set once per connection.
 */
export function createHostAgent(host: string, options: HostOptions, extraCa: ExtraCaCertificates, timeoutMs: number): HttpAgent {
  const tls = effectiveTls(host, options);
  const common = { maxFreeSockets: options.maxConcurrency ?? 8, scheduling: 'lifo' as const };
  if (tls === 'disabled') return keepAliveAgent(false, common, timeoutMs);
  const secure: { rejectUnauthorized?: boolean; ca?: string[] } = {};
  if (tls === 'insecure') secure.rejectUnauthorized = false;
  // An explicit `ca` replaces Node's defaults, NODE_EXTRA_CA_CERTS included; keep the machine's extra CAs trusted.
  if (tls === 'enabled' && options.caFile) {
    secure.ca = [...rootCertificates, ...extraCa.certificates(), readCaFile(host, options.caFile)];
  }
  return keepAliveAgent(true, { ...common, ...secure }, timeoutMs);
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
export function createForeignAgent(protocol: string, timeoutMs: number): HttpAgent {
  return protocol === 'https:' ? keepAliveAgent(true, {}, timeoutMs) : keepAliveAgent(false, {}, timeoutMs);
}
