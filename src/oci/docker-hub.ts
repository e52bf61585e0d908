/**
 * Docker Hub's names: configs and references write `docker.io`, Docker's own config keys use `index.docker.io`,
 * and the API lives at `registry-1.docker.io`. Config, commands and registry all ask here.
 */

/** The name users write and plans print. */
export const DOCKER_HUB = 'docker.io';

/** Where Docker Hub's API lives. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

/** The key Docker's config.json and credential helpers use for Docker Hub (the v1 index URL). */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';

const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([DOCKER_HUB, 'index.docker.io', DOCKER_HUB_API]);

/** True for any of Docker Hub's names (case-insensitive, as host names are). */
export function isDockerHub(host: string): boolean {
  return DOCKER_HUB_ALIASES.has(host.toLowerCase());
}

/**
 * Docker's rule for where a name lives (as `docker pull` reads it): the first `/`-separated component names a
 * host only when it contains `.` or `:` or is `localhost`; otherwise the name is on Docker Hub, and a single
 * component is an official image under `library/`. `alpine` → `docker.io/library/alpine`, `bitnami/redis` →
 * `docker.io/bitnami/redis`; `127.0.0.1:5000/team`, `localhost/team`, `docker.io/library` and `ocidir://...` stay
 * as written (an explicit `docker.io/x` is a prefix such as `docker.io/library`, so `library/` is never added to it).
 */
export function dockerHubLocation(text: string): string {
  if (text.includes('://')) return text;
  const trimmed = text.replace(/\/+$/, '');
  const slash = trimmed.indexOf('/');
  const first = slash === -1 ? trimmed : trimmed.slice(0, slash);
  if (first === '' || namesHost(first)) return text;
  return slash === -1 ? `${DOCKER_HUB}/library/${trimmed}` : `${DOCKER_HUB}/${trimmed}`;
}

/** True when a name's first component is a host by Docker's rule. */
export function namesHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}
