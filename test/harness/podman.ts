import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import { rawFetch } from './http.js';
import { logTail, spawnDaemon } from './processes.js';
import { makeTempDir, removeTempDir } from './temp.js';

/** podman's Docker-compatible API service, with its own storage: nothing of the machine's podman is touched. */
export interface PodmanInstance {
  /** "unix:///tmp/.../podman.sock", for DOCKER_HOST. */
  host: string;
  /** The environment `podman` commands of the test need to see the same storage and registries. */
  env: Record<string, string>;
  logFile: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function pingSocket(socketPath: string): Promise<boolean> {
  const agent = new Agent({ connect: { socketPath } });
  try {
    const response = await rawFetch('http://podman/_ping', { dispatcher: agent });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  } finally {
    await agent.close();
  }
}

/**
 * Starts `podman system service --time=0` on a private socket (LAB.md): its own --root/--runroot, vfs storage,
 * and a registries.conf marking `insecureRegistries` (loopback `host:port`) insecure, as podman wants for plain
 * HTTP. Needs root (the lab's podman runs rootful).
 */
export async function startPodman(insecureRegistries: readonly string[]): Promise<PodmanInstance> {
  if (process.getuid?.() !== 0) throw new Error('startPodman needs root; run the tests as root');
  const dir = await makeTempDir('podman');
  const socket = join(dir, 'podman.sock');
  const registriesConf = join(dir, 'registries.conf');
  writeFileSync(
    registriesConf,
    [
      'unqualified-search-registries = []',
      ...insecureRegistries.flatMap((host) => ['[[registry]]', `location = "${host}"`, 'insecure = true']),
      '',
    ].join('\n'),
  );
  // An empty storage.conf of our own: /etc/containers/storage.conf must not change what the tests see.
  const storageConf = join(dir, 'storage.conf');
  writeFileSync(storageConf, `[storage]\ndriver = "vfs"\nrunroot = "${join(dir, 'run')}"\ngraphroot = "${join(dir, 'root')}"\n`);
  const env: Record<string, string> = { CONTAINERS_REGISTRIES_CONF: registriesConf, CONTAINERS_STORAGE_CONF: storageConf };
  const logFile = join(dir, 'podman.log');
  const daemon = spawnDaemon(
    'podman',
    [
      `--root=${join(dir, 'root')}`,
      `--runroot=${join(dir, 'run')}`,
      '--storage-driver=vfs',
      `--tmpdir=${join(dir, 'tmp')}`,
      'system',
      'service',
      '--time=0',
      `unix://${socket}`,
    ],
    {
      logFile,
      // Loopback registries only: a pull of anything else fails at once on a dead proxy.
      env: {
        ...process.env,
        ...env,
        HTTP_PROXY: 'http://127.0.0.1:9',
        HTTPS_PROXY: 'http://127.0.0.1:9',
        NO_PROXY: '127.0.0.0/8,localhost',
      },
      cleanupDir: dir,
    },
  );
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !daemon.exited()) {
    if (await pingSocket(socket)) {
      return {
        host: `unix://${socket}`,
        env,
        logFile,
        stop: async () => {
          await daemon.stop('SIGTERM', 5000);
          await removeTempDir(dir);
        },
      };
    }
    await sleep(50);
  }
  const log = logTail(logFile);
  await daemon.stop('SIGKILL');
  await removeTempDir(dir);
  throw new Error(`podman system service did not start:\n${log}`);
}
