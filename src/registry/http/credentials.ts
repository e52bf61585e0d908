import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { RegsyncError } from '../../util/errors.js';
import { redact } from '../../util/redact.js';
import type { HostOptions } from '../types.js';

/** What a host is accessed with. `source` says where it came from, for messages (never the secret). */
export type Credentials =
  | { kind: 'anonymous' }
  | { kind: 'basic'; username: string; password: string; source: string }
  | { kind: 'identityToken'; username: string; token: string; source: string };

export interface CredentialLookup {
  /** The host as written in the config (e.g. `docker.io` or `127.0.0.1:5000`). */
  host: string;
  options: HostOptions;
  env: NodeJS.ProcessEnv;
  /** Overrides `$DOCKER_CONFIG` / `~/.docker`. */
  dockerConfigDir?: string | undefined;
}

const DOCKER_HUB_KEYS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** A Docker config key (`https://index.docker.io/v1/`, `http://host:5000`, `host:5000`) reduced to a comparable host. */
export function normalizeConfigKey(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return DOCKER_HUB_KEYS.has(host) ? 'docker.io' : host;
}

/** What a credential helper is asked for: Docker uses the v1 URL for Docker Hub and the bare host otherwise. */
function helperServerUrl(host: string): string {
  return normalizeConfigKey(host) === 'docker.io' ? 'https://index.docker.io/v1/' : host;
}

function lookupByHost<T>(record: unknown, host: string): T | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const wanted = normalizeConfigKey(host);
  for (const [key, value] of Object.entries(record)) {
    if (normalizeConfigKey(key) === wanted) return value as T;
  }
  return undefined;
}

/** Runs `docker-credential-<name> get`; null when the helper has nothing for this host. */
export async function runCredentialHelper(name: string, host: string, env: NodeJS.ProcessEnv, source: string): Promise<Credentials | null> {
  const program = `docker-credential-${name}`;
  const result = await execa(program, ['get'], {
    input: helperServerUrl(host),
    env,
    extendEnv: false,
    reject: false,
    timeout: 30_000,
    stripFinalNewline: true,
  });
  if (result.failed) {
    const output = `${String(result.stdout)} ${String(result.stderr)}`;
    if (/credentials not found/i.test(output)) return null;
    const missing = (result.cause as { code?: string } | undefined)?.code === 'ENOENT';
    const why = missing
      ? `${program} is not on PATH`
      : `${program} get failed (exit code ${String(result.exitCode)}): ${output.trim().slice(0, 200)}`;
    throw new RegsyncError(`cannot read credentials for ${host}: ${why}`, { code: 'AUTH_FAILED', host });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(result.stdout));
  } catch {
    throw new RegsyncError(`cannot read credentials for ${host}: ${program} get did not print JSON`, { code: 'AUTH_FAILED', host });
  }
  const { Username: username, Secret: secret } = (parsed ?? {}) as { Username?: unknown; Secret?: unknown };
  if (typeof secret !== 'string' || secret === '') return null;
  const user = typeof username === 'string' ? username : '';
  // Docker's convention: a helper returns an identity (refresh) token under the user name "<token>".
  if (user === '<token>') return { kind: 'identityToken', username: user, token: secret, source };
  return { kind: 'basic', username: user, password: secret, source };
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

async function readDockerConfig(dir: string): Promise<{ config: DockerConfig; file: string } | null> {
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const config = JSON.parse(text) as DockerConfig | null;
    return typeof config === 'object' && config !== null ? { config, file } : null;
  } catch {
    throw new RegsyncError(`the Docker config ${file} is not valid JSON: fix it or point DOCKER_CONFIG elsewhere`, { code: 'AUTH_FAILED' });
  }
}

function fromAuthsEntry(entry: NonNullable<DockerConfig['auths']>[string] | undefined, source: string): Credentials | null {
  if (!entry) return null;
  let username = entry.username ?? '';
  let password = entry.password ?? '';
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    return { kind: 'identityToken', username, token: entry.identitytoken, source };
  }
  return username !== '' && password !== '' ? { kind: 'basic', username, password, source } : null;
}

/**
 * First match wins: regsync's own host options (username/password, then credentialHelper), then the Docker
 * config (credHelpers for the host, credsStore, auths), then anonymous.
 */
export async function resolveCredentials(lookup: CredentialLookup): Promise<Credentials> {
  const { host, options, env } = lookup;
  const configKey = `registries."${host}"`;
  if (options.username && options.password) {
    return {
      kind: 'basic',
      username: options.username,
      password: options.password,
      source: options.credentialsSource ?? `${configKey} in the regsync config`,
    };
  }
  if (options.credentialHelper) {
    const found = await runCredentialHelper(
      options.credentialHelper,
      host,
      env,
      `credential helper ${options.credentialHelper} (${configKey}.credentialHelper)`,
    );
    if (found) return found;
  }
  const dir = lookup.dockerConfigDir ?? env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker');
  const docker = await readDockerConfig(dir);
  if (!docker) return { kind: 'anonymous' };
  const { config, file } = docker;
  const helper = lookupByHost<string>(config.credHelpers, host);
  if (typeof helper === 'string' && helper !== '') {
    const found = await runCredentialHelper(helper, host, env, `credential helper ${helper} (credHelpers in ${file})`);
    if (found) return found;
  }
  if (typeof config.credsStore === 'string' && config.credsStore !== '') {
    const found = await runCredentialHelper(config.credsStore, host, env, `credential store ${config.credsStore} (credsStore in ${file})`);
    if (found) return found;
  }
  return fromAuthsEntry(lookupByHost(config.auths, host), `auths in ${file}`) ?? { kind: 'anonymous' };
}

/** The secrets a credential holds, for redaction. */
export function credentialSecrets(credentials: Credentials): string[] {
  if (credentials.kind === 'basic')
    return [credentials.password, Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')];
  if (credentials.kind === 'identityToken') return [credentials.token];
  return [];
}

/** For messages: who we tried to be, never the secret. */
export function describeCredentials(credentials: Credentials): string {
  if (credentials.kind === 'anonymous') return 'anonymously';
  return redact(`as ${credentials.username || '(token)'} (credentials from ${credentials.source})`, credentialSecrets(credentials));
}
