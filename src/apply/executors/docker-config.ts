import { authKeyHost } from '../../credentials/index.js';
import { DOCKER_HUB, DOCKER_HUB_CONFIG_KEY } from '../../oci/index.js';

/** The host a Docker config key is for, as Docker reads it (`https://index.docker.io/v1/` → `docker.io`). */
const keyHost = (key: string): string | null => authKeyHost(key, 'docker');

/**
 * Credentials regsync holds for one registry host: a user and password (its config, --src-auth/--dst-auth) or
 * the credential helper its config names. `host` is `host[:port]` as the config writes it (`docker.io` for Hub).
 */
export type HeldCredential = { host: string; username: string; password: string } | { host: string; credentialHelper: string };

/** The parts of a Docker config.json regsync reads or writes; every other key is kept as the user wrote it. */
export interface DockerConfigJson {
  auths?: Record<string, Record<string, unknown>>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [key: string]: unknown;
}

/** The key docker looks an auth up by: the v1 index URL for Docker Hub, the bare host otherwise. */
function dockerAuthKey(host: string): string {
  return keyHost(host) === DOCKER_HUB ? DOCKER_HUB_CONFIG_KEY : host;
}

function withoutHosts<T>(record: Record<string, T> | undefined, hosts: Set<string>): Record<string, T> {
  return Object.fromEntries(Object.entries(record ?? {}).filter(([key]) => !hosts.has(keyHost(key) ?? key)));
}

/** `docker login` with a store writes an empty entry: the secret lives in the store. */
function hasSecret(entry: Record<string, unknown>): boolean {
  return ['auth', 'identitytoken', 'password'].some((field) => typeof entry[field] === 'string' && entry[field] !== '');
}

/**
 * The config the run's docker commands see: the user's own (credential helpers, store, logins, other settings)
 * with regsync's credentials (or credential helpers) for their hosts. Docker asks a credential helper or store before `auths`, so
 * regsync's hosts lose any helper; a `credsStore` becomes a per-host helper for the hosts the user logged in to
 * (docker records those as empty `auths` entries), so it no longer hides regsync's entries.
 */
export function mergeDockerConfig(user: DockerConfigJson, held: readonly HeldCredential[]): DockerConfigJson {
  const hosts = new Set(held.map((credential) => keyHost(credential.host) ?? credential.host));
  const { credsStore, ...rest } = user;
  const auths = withoutHosts(user.auths, hosts);
  const credHelpers = withoutHosts(user.credHelpers, hosts);
  if (typeof credsStore === 'string' && credsStore !== '') {
    for (const [key, entry] of Object.entries(auths)) {
      if (!hasSecret(entry)) credHelpers[key] ??= credsStore;
    }
  }
  for (const credential of held) {
    const key = dockerAuthKey(credential.host);
    if ('credentialHelper' in credential) credHelpers[key] = credential.credentialHelper;
    else auths[key] = { auth: Buffer.from(`${credential.username}:${credential.password}`).toString('base64') };
  }
  return { ...rest, auths, ...(Object.keys(credHelpers).length > 0 ? { credHelpers } : {}) };
}

/** The secrets of the held credentials, for redacting whatever docker prints. */
export function heldSecrets(held: readonly HeldCredential[]): string[] {
  return held.flatMap((credential) =>
    'password' in credential ? [credential.password, Buffer.from(`${credential.username}:${credential.password}`).toString('base64')] : [],
  );
}
