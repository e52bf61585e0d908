import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../../test/harness/temp.js';
import type { CountedHost } from './counted-host.js';
import { startCountedHost } from './counted-host.js';
import type { Endpoints } from './compare.js';

/** A bench's private work dir with an empty HOME: no auth file, registries.conf or cache of the machine is read. */
export async function benchWorkDir(
  name: string,
): Promise<{ dir: string; env: NodeJS.ProcessEnv; freshDir(prefix: string): Promise<string> }> {
  const dir = await makeTempDir(`bench-${name}`);
  const home = join(dir, 'home');
  await mkdir(home);
  let count = 0;
  return {
    dir,
    env: { ...process.env, HOME: home, NO_COLOR: '1', REGISTRY_AUTH_FILE: join(home, 'no-auth.json') },
    freshDir: async (prefix) => {
      count += 1;
      const fresh = join(dir, `${prefix}-${count}`);
      await rm(fresh, { recursive: true, force: true });
      await mkdir(fresh, { recursive: true });
      return fresh;
    },
  };
}

/** Endpoints on two running registries: direct, or through fresh counting relays released after the run. */
export async function endpointsFor(
  source: { host: string },
  destination: { host: string },
  counted: boolean,
  releaseAlso: () => Promise<void> = () => Promise.resolve(),
): Promise<Endpoints> {
  if (!counted) return { source: source.host, destination: destination.host, counted: [], release: releaseAlso };
  const relays: CountedHost[] = [await startCountedHost(source), await startCountedHost(destination)];
  return {
    source: relays[0]!.host,
    destination: relays[1]!.host,
    counted: relays,
    release: async () => {
      for (const relay of relays) await relay.stop();
      await releaseAlso();
    },
  };
}
