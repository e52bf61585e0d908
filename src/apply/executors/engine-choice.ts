import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { engineEndpoint } from './engine-api-client.js';
import type { EngineEndpoint } from './engine-api-client.js';

/** `auto` (the default): the Engine API where it can serve, else the docker CLI. */
export type EngineMode = 'auto' | 'api' | 'cli';

export type EngineChoice = { kind: 'api'; endpoint: EngineEndpoint } | { kind: 'cli'; reason: string };

/** The context `docker context use` chose (config.json `currentContext`), null for the default one. */
function currentContext(env: NodeJS.ProcessEnv): string | null {
  const dir = env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : join(env.HOME ?? homedir(), '.docker');
  try {
    const parsed = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { currentContext?: unknown };
    const name = parsed.currentContext;
    return typeof name === 'string' && name !== '' && name !== 'default' ? name : null;
  } catch {
    // No config or an unreadable one: the CLI path would report it; the API path needs nothing from it.
    return null;
  }
}

/**
 * How the docker executor reaches the engine. The API when DOCKER_HOST is unset, `unix://` or plain `tcp://` and
 * no other CLI is named; the docker CLI for `--docker PATH` / `DOCKER` (another CLI, such as podman's), a Docker
 * context (DOCKER_CONTEXT or `docker context use`), `ssh://` hosts and TLS to the engine (DOCKER_TLS_VERIFY).
 */
export function chooseEngine(binary: string, env: NodeJS.ProcessEnv, mode: EngineMode = 'auto'): EngineChoice {
  const endpoint = engineEndpoint(env.DOCKER_HOST);
  if (mode === 'cli') return { kind: 'cli', reason: 'asked for' };
  if (mode === 'api' && endpoint !== null) return { kind: 'api', endpoint };
  if (env.DOCKER !== undefined && env.DOCKER !== '') return { kind: 'cli', reason: `DOCKER=${env.DOCKER}` };
  if (binary !== 'docker') return { kind: 'cli', reason: `--docker ${binary}` };
  const context = env.DOCKER_CONTEXT;
  if (context !== undefined && context !== '' && context !== 'default') return { kind: 'cli', reason: `DOCKER_CONTEXT=${context}` };
  if (env.DOCKER_HOST === undefined || env.DOCKER_HOST === '') {
    const chosen = currentContext(env);
    if (chosen !== null) return { kind: 'cli', reason: `docker context ${chosen}` };
  }
  if (endpoint === null) return { kind: 'cli', reason: `DOCKER_HOST=${env.DOCKER_HOST ?? ''}` };
  if (endpoint.socketPath === undefined && env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '')
    return { kind: 'cli', reason: 'DOCKER_TLS_VERIFY: TLS to the engine' };
  return { kind: 'api', endpoint };
}
