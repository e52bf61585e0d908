import type { Config } from '../../config/types.js';
import type { Executor } from '../types.js';
import type { HeldCredential } from './docker-config.js';
import { dockerExecutor } from './docker-executor.js';

/** What the run hands the docker executor (a subset of the runner's ExecutorDeps). */
export interface DockerExecutorDeps {
  config: Config;
  env: NodeJS.ProcessEnv;
  /** resolveDockerBinary: --docker PATH, else DOCKER, else `docker`. */
  dockerBinary: string;
  warn(line: string): void;
  /** A line for the user on stderr (how the engine is reached). */
  info?(line: string): void;
}

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

/** The docker executor of a run of `config`: its credentials, and removalQueue per mirror. */
export function createDockerExecutor(deps: DockerExecutorDeps): Executor {
  return dockerExecutor({
    binary: deps.dockerBinary,
    env: deps.env,
    credentials: heldCredentials(deps.config),
    removalQueue: Object.fromEntries(deps.config.mirrors.map((mirror) => [mirror.name, mirror.removalQueue])),
    warn: (line) => deps.warn(line),
    ...(deps.info !== undefined ? { info: (line: string) => deps.info?.(line) } : {}),
  });
}
