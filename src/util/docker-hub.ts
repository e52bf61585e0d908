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
