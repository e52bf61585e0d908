import type { Config } from '../../config/types.js';
import type { HeldCredential } from './docker-config.js';
import { resolveDockerBinary } from './docker-cli.js';
import type { DockerExecutorOptions } from './docker.js';

/** The credentials a config holds for its registries (--src-auth/--dst-auth land there too), for docker's config. */
export function heldCredentials(config: Config): HeldCredential[] {
  const held: HeldCredential[] = [];
  for (const [host, settings] of Object.entries(config.registries)) {
    if (settings.username !== null && settings.password !== null)
      held.push({ host, username: settings.username, password: settings.password });
    else if (settings.credentialHelper !== null) held.push({ host, credentialHelper: settings.credentialHelper });
  }
  return held;
}

/** The docker executor's options for a run of `config`: binary from `--docker` or DOCKER, removalQueue per mirror. */
export function dockerExecutorOptions(
  config: Config,
  env: NodeJS.ProcessEnv,
  dockerFlag: string | undefined,
  warn: (line: string) => void,
): DockerExecutorOptions {
  return {
    binary: resolveDockerBinary(dockerFlag, env),
    env,
    credentials: heldCredentials(config),
    removalQueue: Object.fromEntries(config.mirrors.map((mirror) => [mirror.name, mirror.removalQueue])),
    warn,
  };
}
