import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execTool } from './exec.js';
import { rawFetch } from './http.js';
import { freePort } from './ports.js';
import { logTail, spawnDaemon } from './processes.js';
import { makeTempDir, removeTempDir } from './temp.js';
import type { TokenServer } from './token-server.js';

/** A running CNCF Distribution registry (`docker-registry`) on a private port and data dir. */
export interface RegistryInstance {
  /** "127.0.0.1:PORT" — what a config's source/destination uses. */
  host: string;
  url: string;
  port: number;
  dataDir: string;
  /** Set when auth is htpasswd or token. */
  credentials: { username: string; password: string } | null;
  /** PEM of the self-signed certificate when tls. */
  caFile: string | null;
  /** The registry's stdout/stderr. */
  logFile: string;
  stop(): Promise<void>;
  /** Kills the registry process, keeping its port and data (a registry going down mid-run). */
  pause(): Promise<void>;
  /** Starts it again on the same port and data. */
  resume(): Promise<void>;
}

export interface StartRegistryOptions {
  auth?: 'none' | 'htpasswd' | { token: TokenServer };
  tls?: boolean;
  username?: string;
  password?: string;
}

export const DEFAULT_TEST_USER = 'regsync-tester';

/** A self-signed certificate for 127.0.0.1 and localhost (LAB.md's openssl line). */
export async function makeSelfSignedCert(dir: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
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
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { certFile, keyFile };
}

function registryConfig(o: { dataDir: string; port: number; auth: string; tls: string }): string {
  return [
    'version: 0.1',
    'log: {level: info, accesslog: {disabled: true}, formatter: text}',
    'storage:',
    `  filesystem: {rootdirectory: ${JSON.stringify(o.dataDir)}}`,
    '  delete: {enabled: true}',
    '  cache: {blobdescriptor: inmemory}',
    '  maintenance: {uploadpurging: {enabled: false}}',
    'http:',
    `  addr: 127.0.0.1:${o.port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    o.tls,
    o.auth,
    '',
  ].join('\n');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts a registry: plain HTTP by default; htpasswd (bcrypt) or token auth; optional self-signed TLS. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<RegistryInstance> {
  const dir = await makeTempDir('registry');
  const dataDir = join(dir, 'data');
  const auth = options.auth ?? 'none';
  let credentials: RegistryInstance['credentials'] = null;
  let authYaml = '';
  if (auth === 'htpasswd') {
    credentials = { username: options.username ?? DEFAULT_TEST_USER, password: options.password ?? randomBytes(12).toString('hex') };
    const htpasswdFile = join(dir, 'htpasswd');
    // -i reads the password from stdin, so it never shows in a process listing.
    const { stdout } = await execTool('htpasswd', ['-Bin', credentials.username], { input: `${credentials.password}\n` });
    writeFileSync(htpasswdFile, stdout);
    authYaml = `auth: {htpasswd: {realm: regsync-test, path: ${JSON.stringify(htpasswdFile)}}}`;
  } else if (typeof auth === 'object') {
    const server = auth.token;
    const username = options.username ?? Object.keys(server.users)[0] ?? DEFAULT_TEST_USER;
    const password = options.password ?? server.users[username] ?? randomBytes(12).toString('hex');
    server.users[username] = password;
    credentials = { username, password };
    authYaml = `auth: {token: {realm: ${JSON.stringify(server.realm)}, service: ${JSON.stringify(server.service)}, issuer: ${JSON.stringify(server.issuer)}, rootcertbundle: ${JSON.stringify(server.certFile)}}}`;
  }
  let caFile: string | null = null;
  let tlsYaml = '';
  if (options.tls) {
    const { certFile, keyFile } = await makeSelfSignedCert(dir);
    caFile = certFile;
    tlsYaml = `  tls: {certificate: ${JSON.stringify(certFile)}, key: ${JSON.stringify(keyFile)}}`;
  }
  const logFile = join(dir, 'registry.log');
  const configFile = join(dir, 'config.yml');
  const scheme = options.tls ? 'https' : 'http';

  // The port is free when we ask, but another test process may take it before the registry binds: retry.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(configFile, registryConfig({ dataDir, port, auth: authYaml, tls: tlsYaml }));
    let daemon = spawnDaemon('docker-registry', ['serve', configFile], { logFile, cleanupDir: dir });
    const url = `${scheme}://127.0.0.1:${port}`;
    const ready = await waitReady(url, caFile, () => daemon.exited());
    if (ready) {
      const resume = async (): Promise<void> => {
        daemon = spawnDaemon('docker-registry', ['serve', configFile], { logFile, cleanupDir: dir });
        if (!(await waitReady(url, caFile, () => daemon.exited())))
          throw new Error(`docker-registry did not restart on ${url}:\n${logTail(logFile)}`);
      };
      return {
        host: `127.0.0.1:${port}`,
        url,
        port,
        dataDir,
        credentials,
        caFile,
        logFile,
        stop: async () => {
          await daemon.stop('SIGKILL');
          await removeTempDir(dir);
        },
        pause: () => daemon.stop('SIGKILL'),
        resume,
      };
    }
    await daemon.stop('SIGKILL');
    const tail = logTail(logFile);
    if (attempt >= 3 || !/address already in use/.test(tail)) {
      await removeTempDir(dir);
      throw new Error(`docker-registry did not start on ${url}:\n${tail}`);
    }
  }
}

/** Polls GET /v2/ until 200 or 401 (the registry answers within ~0.1 s, LAB.md). */
async function waitReady(url: string, caFile: string | null, exited: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (exited()) return false;
    try {
      const response = await rawFetch(`${url}/v2/`, {}, caFile);
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return true;
    } catch {
      // Not listening yet.
    }
    await sleep(25);
  }
  return false;
}
