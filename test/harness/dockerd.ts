import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rawFetch } from './http.js';
import { logTail, spawnDaemon } from './processes.js';
import { makeTempDir, removeTempDir } from './temp.js';
import { Agent } from 'undici';

/** A private Docker engine: its own data dir, socket and DOCKER_CONFIG. */
export interface DockerdInstance {
  /** "unix:///tmp/.../docker.sock" */
  host: string;
  /** A private DOCKER_CONFIG dir (docker login writes here, never to ~/.docker). */
  configDir: string;
  /** { DOCKER_HOST, DOCKER_CONFIG } to pass to execa / child processes. */
  env: Record<string, string>;
  /** Runs the docker CLI with env; never throws on a non-zero exit. */
  docker(args: string[], options?: { input?: string }): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  /** The daemon's log, for debugging. */
  logFile: string;
  /** dockerd's process ID (the bench reads its CPU time from /proc). */
  pid: number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Any pull of an image the engine lacks would try Docker Hub; a dead loopback proxy makes it fail at once.
const NO_INTERNET = {
  HTTP_PROXY: 'http://127.0.0.1:9',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  NO_PROXY: '127.0.0.0/8,localhost',
  http_proxy: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  no_proxy: '127.0.0.0/8,localhost',
};

async function pingSocket(socketPath: string): Promise<boolean> {
  const agent = new Agent({ connect: { socketPath } });
  try {
    const response = await rawFetch('http://docker/_ping', { dispatcher: agent });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  } finally {
    await agent.close();
  }
}

/** Starts a private dockerd (LAB.md flags, proxies pointing at a dead loopback port). Needs root. */
export async function startDockerd(): Promise<DockerdInstance> {
  if (process.getuid?.() !== 0) throw new Error('startDockerd needs root (dockerd mounts overlay filesystems); run the tests as root');
  const dir = await makeTempDir('dockerd');
  const socket = join(dir, 'docker.sock');
  const configDir = join(dir, 'config');
  mkdirSync(configDir);
  writeFileSync(join(configDir, 'config.json'), '{}\n');
  // An empty daemon.json of our own: /etc/docker/daemon.json must not change what the tests see.
  const daemonJson = join(dir, 'daemon.json');
  writeFileSync(daemonJson, '{}\n');
  const logFile = join(dir, 'dockerd.log');
  const env: Record<string, string> = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: configDir };

  let lastError = '';
  // overlay2 is fast; vfs works on any filesystem, the fallback when overlay cannot mount here.
  for (const driver of ['overlay2', 'vfs']) {
    const args = [
      `--data-root=${join(dir, `data-${driver}`)}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'dockerd.pid')}`,
      `--config-file=${daemonJson}`,
      `-H`,
      `unix://${socket}`,
      `--storage-driver=${driver}`,
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--ip-masq=false',
    ];
    const daemon = spawnDaemon('dockerd', args, {
      logFile,
      env: { ...process.env, ...NO_INTERNET, DOCKER_CONFIG: configDir },
      cleanupDir: dir,
    });
    const deadline = Date.now() + 30_000;
    let ready = false;
    while (Date.now() < deadline && !daemon.exited()) {
      if (await pingSocket(socket)) {
        ready = true;
        break;
      }
      await sleep(50);
    }
    if (ready) {
      return {
        host: env.DOCKER_HOST!,
        configDir,
        env,
        logFile,
        pid: daemon.pid,
        docker: (dockerArgs, options) => runDocker(dockerArgs, env, options?.input),
        stop: async () => {
          // SIGTERM lets dockerd stop its containerd; the group is SIGKILLed after the grace time anyway.
          await daemon.stop('SIGTERM', 5000);
          await removeTempDir(dir);
        },
      };
    }
    lastError = logTail(logFile);
    await daemon.stop('SIGKILL');
  }
  await removeTempDir(dir);
  throw new Error(`dockerd did not start:\n${lastError}`);
}

function runDocker(
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  return new Promise((resolve) => {
    const child = spawn('docker', args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => resolve({ stdout: '', stderr: String(error), exitCode: 127 }));
    child.on('close', (code) =>
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode: code ?? 1 }),
    );
    child.stdin.end(input ?? '');
  });
}
