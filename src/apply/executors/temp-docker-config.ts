import { existsSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegsyncError } from '../../util/errors.js';
import { mergeDockerConfig } from './docker-config.js';
import type { DockerConfigJson, HeldCredential } from './docker-config.js';

/** A private DOCKER_CONFIG directory for one run; `env` is what the docker commands get on top of the user's. */
export interface TempDockerConfig {
  dir: string;
  env: Record<string, string>;
  remove(): Promise<void>;
}

/** The directory docker itself reads: `$DOCKER_CONFIG`, else `~/.docker`. */
function userDockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : join(env.HOME ?? homedir(), '.docker');
}

async function readUserConfig(dir: string): Promise<DockerConfigJson> {
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as DockerConfigJson;
  } catch {
    // reported below
  }
  throw new RegsyncError(`the Docker config ${file} is not valid JSON: fix it or point DOCKER_CONFIG elsewhere`, {
    code: 'CONFIG_INVALID',
  });
}

/**
 * Writes the user's Docker config plus the credentials regsync holds into a fresh directory (0700, config.json
 * 0600) under the run's TMPDIR; null when regsync holds none, so docker runs exactly as the user's own. Docker contexts and the default
 * TLS certificate path keep pointing at the user's directory. The directory is also removed if the process exits
 * without `remove()` (an uncaught error), as a last resort.
 */
export async function createTempDockerConfig(env: NodeJS.ProcessEnv, held: readonly HeldCredential[]): Promise<TempDockerConfig | null> {
  if (held.length === 0) return null;
  const userDir = userDockerConfigDir(env);
  const merged = mergeDockerConfig(await readUserConfig(userDir), held);
  const dir = await mkdtemp(join(env.TMPDIR || tmpdir(), 'regsync-docker-config-'));
  const removeNow = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeNow);
  try {
    await chmod(dir, 0o700);
    const file = join(dir, 'config.json');
    await writeFile(file, `${JSON.stringify(merged, null, 2)}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    if (existsSync(join(userDir, 'contexts'))) await symlink(join(userDir, 'contexts'), join(dir, 'contexts'));
  } catch (error) {
    removeNow();
    process.removeListener('exit', removeNow);
    throw error;
  }
  const certPath = env.DOCKER_CERT_PATH !== undefined && env.DOCKER_CERT_PATH !== '' ? env.DOCKER_CERT_PATH : userDir;
  return {
    dir,
    env: { DOCKER_CONFIG: dir, DOCKER_CERT_PATH: certPath },
    remove: async () => {
      process.removeListener('exit', removeNow);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
