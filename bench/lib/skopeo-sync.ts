import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * `skopeo sync --all` of `repositories` (every tag) from `source` to the same paths at `destination`, in one
 * invocation scoped by a YAML source file: the peer's best case (one process, one start-up). TLS checks are
 * off on both sides (plain-HTTP loopback registries); `env` should carry an empty HOME so no auth file,
 * registries.conf or blob-info cache of the machine is read. skopeo keeps only the last path component of each
 * source repository (bench/app00 lands at DEST/app00), so the repositories must share one parent, which is
 * added to the destination.
 */
export async function skopeoSync(o: {
  source: string;
  destination: string;
  repositories: string[];
  workDir: string;
  env: NodeJS.ProcessEnv;
}): Promise<{ wallMs: number }> {
  const file = join(o.workDir, `skopeo-sync-${o.source.replace(/[^0-9a-z]/gi, '_')}.yaml`);
  const images = o.repositories.map((repository) => `    ${repository}: []`);
  await writeFile(file, [`${o.source}:`, '  tls-verify: false', '  images:', ...images, ''].join('\n'));
  const parents = new Set(o.repositories.map((repository) => repository.split('/').slice(0, -1).join('/')));
  if (parents.size !== 1) throw new Error(`skopeo sync needs repositories under one parent: ${[...parents].join(', ')}`);
  const parent = [...parents][0]!;
  const destination = parent === '' ? o.destination : `${o.destination}/${parent}`;
  const args = ['sync', '--all', '--src', 'yaml', '--dest', 'docker', '--dest-tls-verify=false', '--dest-no-creds', file, destination];
  const started = performance.now();
  await run('skopeo', args, { env: o.env, maxBuffer: 64 * 1024 * 1024 });
  return { wallMs: performance.now() - started };
}
