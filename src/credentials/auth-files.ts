import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_HUB, isDockerHub } from '../oci/index.js';
import { RegsyncError } from '../util/errors.js';

/**
 * A credentials file another tool wrote: containers' auth.json (podman, skopeo, buildah login) or Docker's
 * config.json (docker login). Both share `auths` and `credHelpers`; only Docker's has `credsStore`.
 */
export interface AuthFileLocation {
  format: 'containers' | 'docker';
  file: string;
}

/** One `auths` entry as the file holds it (`auth` is base64 of `user:password`). */
export interface AuthsEntry {
  auth?: unknown;
  identitytoken?: unknown;
  username?: unknown;
  password?: unknown;
}

export interface AuthFile {
  auths?: Record<string, AuthsEntry>;
  credHelpers?: Record<string, unknown>;
  credsStore?: unknown;
}

const nonEmpty = (value: string | undefined): value is string => value !== undefined && value !== '';

/**
 * The files searched, in containers/image's order: REGISTRY_AUTH_FILE, the per-session
 * $XDG_RUNTIME_DIR/containers/auth.json (/run/containers/UID without it, as podman writes it for root),
 * $XDG_CONFIG_HOME (~/.config)/containers/auth.json, then Docker's $DOCKER_CONFIG (~/.docker)/config.json.
 */
export function authFileLocations(env: NodeJS.ProcessEnv, dockerConfigDir?: string): AuthFileLocation[] {
  const home = nonEmpty(env.HOME) ? env.HOME : homedir();
  const runtimeDir = nonEmpty(env.XDG_RUNTIME_DIR)
    ? join(env.XDG_RUNTIME_DIR, 'containers')
    : join('/run/containers', String(process.getuid?.() ?? 0));
  const configHome = nonEmpty(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(home, '.config');
  const dockerDir = dockerConfigDir ?? (nonEmpty(env.DOCKER_CONFIG) ? env.DOCKER_CONFIG : join(home, '.docker'));
  const containers = [
    ...(nonEmpty(env.REGISTRY_AUTH_FILE) ? [env.REGISTRY_AUTH_FILE] : []),
    join(runtimeDir, 'auth.json'),
    join(configHome, 'containers', 'auth.json'),
  ];
  return [
    ...containers.map((file): AuthFileLocation => ({ format: 'containers', file })),
    { format: 'docker', file: join(dockerDir, 'config.json') },
  ];
}

/** What a file is called in messages. */
function describeFile(location: AuthFileLocation): string {
  return location.format === 'docker' ? `the Docker config ${location.file}` : `the containers auth file ${location.file}`;
}

const READ_FAILURES: Record<string, string> = { EACCES: 'permission denied', EPERM: 'permission denied', EISDIR: 'it is a directory' };

/**
 * Reads one credentials file; null when it does not exist. A file that exists but cannot be read or parsed
 * is an error naming it: going on without it would silently access the registry anonymously.
 */
export async function readAuthFile(location: AuthFileLocation): Promise<AuthFile | null> {
  let text: string;
  try {
    text = await readFile(location.file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    const why = READ_FAILURES[code] ?? (error as Error).message;
    const next =
      location.format === 'docker' ? 'make it readable or point DOCKER_CONFIG at another directory' : 'make it readable or remove it';
    throw new RegsyncError(`cannot read ${describeFile(location)} (${why}): ${next}`, { code: 'AUTH_FAILED', cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the text, which may hold a password: say only where.
    throw new RegsyncError(`${describeFile(location)} is not valid JSON: fix it or remove it`, { code: 'AUTH_FAILED' });
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RegsyncError(`${describeFile(location)} is not a JSON object: fix it or remove it`, { code: 'AUTH_FAILED' });
  }
  return parsed;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Docker Hub under its one name; other hosts lower-cased (host names are not case-sensitive). */
function canonicalHost(host: string): string {
  return isDockerHub(host) ? DOCKER_HUB : host.toLowerCase();
}

/**
 * A key of `auths` or `credHelpers` reduced to the host it is for, or null for a namespaced key. URL forms
 * (`https://index.docker.io/v1/`, `http://host:5000/v2/`, what older `docker login` wrote) lose scheme and
 * path in both formats. A bare `host/namespace` key is a namespace in containers' files (credentials for part
 * of a registry, which regsync does not resolve per repository); Docker reads it as its host.
 */
export function authKeyHost(key: string, format: AuthFileLocation['format']): string | null {
  const hadScheme = SCHEME.test(key);
  const stripped = key.replace(SCHEME, '');
  const slash = stripped.indexOf('/');
  if (slash >= 0 && !hadScheme && format === 'containers') return null;
  return canonicalHost(slash >= 0 ? stripped.slice(0, slash) : stripped);
}

/** The value under the key for `host`: the key written exactly as the host first, as containers/image does. */
export function lookupByHost<T>(record: Record<string, T> | undefined, host: string, format: AuthFileLocation['format']): T | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  if (Object.hasOwn(record, host)) return record[host];
  const wanted = canonicalHost(host);
  for (const [key, value] of Object.entries(record)) {
    if (authKeyHost(key, format) === wanted) return value;
  }
  return undefined;
}
