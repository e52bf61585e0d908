import { DOCKER_HUB, DOCKER_HUB_CONFIG_KEY, isDockerHub } from '../oci/index.js';
import { redact } from '../util/redact.js';
import { authFileLocations, lookupByHost, readAuthFile } from './auth-files.js';
import type { AuthFileLocation, AuthsEntry } from './auth-files.js';
import { runCredentialHelper } from './helper.js';
import type { HelperSecret } from './helper.js';

/** What a host is accessed with. `source` says where it came from, for messages (never the secret). */
export type Credentials =
  | { kind: 'anonymous' }
  | { kind: 'basic'; username: string; password: string; source: string }
  | { kind: 'identityToken'; username: string; token: string; source: string };

/** What the config says of a host's credentials (the registry's HostOptions carry these fields). */
export interface CredentialSettings {
  username?: string | null;
  password?: string | null;
  credentialHelper?: string | null;
  /** Where username/password or the helper came from, for messages; default "the host options". */
  credentialsSource?: string;
}

export interface CredentialLookup {
  /** The host as written in the config (e.g. `docker.io` or `127.0.0.1:5000`). */
  host: string;
  options: CredentialSettings;
  env: NodeJS.ProcessEnv;
  /** Overrides `$DOCKER_CONFIG` / `~/.docker` (the containers auth files are still read from `env`). */
  dockerConfigDir?: string | undefined;
}

/** A helper's answer as credentials: Docker's convention names an identity (refresh) token `<token>`. */
function fromHelper(found: HelperSecret | null, source: string): Credentials | null {
  if (!found) return null;
  if (found.username === '<token>') return { kind: 'identityToken', username: found.username, token: found.secret, source };
  return { kind: 'basic', username: found.username, password: found.secret, source };
}

/** What a helper is asked: Docker uses the v1 URL for Docker Hub, containers/image the registry name. */
function helperServerUrl(host: string, format: AuthFileLocation['format']): string {
  if (!isDockerHub(host)) return host;
  return format === 'docker' ? DOCKER_HUB_CONFIG_KEY : DOCKER_HUB;
}

function fromAuthsEntry(entry: AuthsEntry | undefined, source: string): Credentials | null {
  if (typeof entry !== 'object' || entry === null) return null;
  let username = typeof entry.username === 'string' ? entry.username : '';
  let password = typeof entry.password === 'string' ? entry.password : '';
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

/** One file's answer for `host`: its credHelpers entry, Docker's credsStore, then its auths entry. */
async function fromAuthFile(location: AuthFileLocation, host: string, env: NodeJS.ProcessEnv): Promise<Credentials | null> {
  const content = await readAuthFile(location);
  if (!content) return null;
  const { format, file } = location;
  const ask = async (helper: unknown, source: string): Promise<Credentials | null> =>
    typeof helper === 'string' && helper !== ''
      ? fromHelper(await runCredentialHelper(helper, helperServerUrl(host, format), host, env), source)
      : null;
  const helper = lookupByHost(content.credHelpers, host, format);
  const found =
    (await ask(helper, `credential helper ${String(helper)} (credHelpers in ${file})`)) ??
    (format === 'docker' ? await ask(content.credsStore, `credential store ${String(content.credsStore)} (credsStore in ${file})`) : null);
  return found ?? fromAuthsEntry(lookupByHost(content.auths, host, format), `auths in ${file}`);
}

/**
 * First match wins: regsync's own host options (username/password, then credentialHelper), then the
 * containers auth files and Docker's config in the order of `authFileLocations`, then anonymous.
 */
export async function resolveCredentials(lookup: CredentialLookup): Promise<Credentials> {
  const { host, options, env } = lookup;
  const optionsSource = options.credentialsSource ?? 'the host options';
  if (options.username && options.password) {
    return { kind: 'basic', username: options.username, password: options.password, source: optionsSource };
  }
  if (options.credentialHelper) {
    const source = `credential helper ${options.credentialHelper} (from ${optionsSource})`;
    const found = fromHelper(await runCredentialHelper(options.credentialHelper, helperServerUrl(host, 'docker'), host, env), source);
    if (found) return found;
  }
  for (const location of authFileLocations(env, lookup.dockerConfigDir)) {
    const found = await fromAuthFile(location, host, env);
    if (found) return found;
  }
  return { kind: 'anonymous' };
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
