import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The original tool's method (sync.sh, /work/shared/seed/SYNC-SH.md): per tag, one after another,
 * `docker pull SRC/REPO:TAG`, `docker tag`, `docker push DST/REPO:TAG`, then `docker rmi` of both names.
 * Written as one POSIX shell script, as sync.sh ran it; `set -e` so a failed copy fails the run.
 */
export async function dockerLoop(o: {
  source: string;
  destination: string;
  images: ReadonlyArray<{ repository: string; tag: string }>;
  workDir: string;
  env: NodeJS.ProcessEnv;
}): Promise<{ wallMs: number }> {
  const lines = ['set -e'];
  for (const { repository, tag } of o.images) {
    const from = `${o.source}/${repository}:${tag}`;
    const to = `${o.destination}/${repository}:${tag}`;
    lines.push(`docker pull -q ${from}`, `docker tag ${from} ${to}`, `docker push -q ${to}`, `docker rmi ${from} ${to} >/dev/null`);
  }
  const script = join(o.workDir, `docker-loop-${o.destination.replace(/[^0-9]/g, '_')}.sh`);
  await writeFile(script, `${lines.join('\n')}\n`);
  const started = performance.now();
  await run('sh', [script], { env: o.env, maxBuffer: 64 * 1024 * 1024 });
  return { wallMs: performance.now() - started };
}

/** Distinct image IDs the engine holds now. */
export async function localImageCount(env: NodeJS.ProcessEnv): Promise<number> {
  const { stdout } = await run('docker', ['image', 'ls', '-q', '--no-trunc'], { env });
  return new Set(stdout.split('\n').filter((line) => line !== '')).size;
}

/** Samples localImageCount every `intervalMs` until stopped; returns the most seen. */
export function sampleLocalImages(env: NodeJS.ProcessEnv, intervalMs = 100): { stop(): Promise<number> } {
  let most = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      most = Math.max(most, await localImageCount(env));
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return most;
    },
  };
}
