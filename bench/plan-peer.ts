/**
 * The peer of `regsync plan`: what sync.sh-style tooling runs with skopeo to learn the same facts.
 *   skopeo list-tags               per repository, at the source and at the destination
 *   skopeo inspect --no-tags       per source tag (digest + created; for an index, the linux/amd64 config;
 *                                  without --no-tags every inspect would also fetch the repository's tag list)
 *   skopeo inspect --raw           per tag the destination lists (its digest is the sha256 of the bytes)
 * then the same decisions in memory: maxAge, create or no-op. Each phase runs `parallel` invocations at a
 * time (4 is `xargs -P4`; 1 is a plain loop).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PeerResult {
  invocations: number;
  create: number;
  noop: number;
  update: number;
  /** Tags dropped by maxAge. */
  skipped: number;
}

export interface PeerOptions {
  source: string;
  destination: string;
  repositories: string[];
  parallel: number;
  /** Milliseconds, or null for no age filter. */
  maxAgeMs: number | null;
  /** An empty HOME: no auth file or registries.conf of the machine is read. */
  env: NodeJS.ProcessEnv;
}

/** Runs `tasks` with at most `limit` in flight, keeping results in order. */
async function pool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next;
      next += 1;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export async function peerPlan(options: PeerOptions): Promise<PeerResult> {
  let invocations = 0;
  const skopeo = async (args: string[], ref: string): Promise<string> => {
    invocations += 1;
    const { stdout } = await run('skopeo', [...args, '--tls-verify=false', '--no-creds', `docker://${ref}`], {
      env: options.env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  };
  const listTags = async (host: string, repository: string): Promise<string[]> => {
    try {
      return (JSON.parse(await skopeo(['list-tags'], `${host}/${repository}`)) as { Tags: string[] | null }).Tags ?? [];
    } catch (error) {
      // A repository the destination does not have yet: everything in it is a create.
      if (/404|name unknown/.test(String(error))) return [];
      throw error;
    }
  };

  const listings = await pool(
    options.repositories.flatMap((repository) => [
      () => listTags(options.source, repository),
      () => listTags(options.destination, repository),
    ]),
    options.parallel,
  );
  const work = options.repositories.flatMap((repository, i) => {
    const destinationTags = new Set(listings[2 * i + 1]);
    return (listings[2 * i] ?? []).map((tag) => ({ repository, tag, inDestination: destinationTags.has(tag) }));
  });

  const sources = await pool(
    work.map(
      ({ repository, tag }) =>
        async () =>
          JSON.parse(await skopeo(['inspect', '--no-tags'], `${options.source}/${repository}:${tag}`)) as {
            Digest: string;
            Created: string;
          },
    ),
    options.parallel,
  );
  const now = Date.now();
  const selected = work
    .map((item, i) => ({ ...item, source: sources[i]! }))
    .filter(({ source }) => options.maxAgeMs === null || now - Date.parse(source.Created) <= options.maxAgeMs);
  const present = selected.filter((item) => item.inDestination);
  const destinationDigests = await pool(
    present.map(
      ({ repository, tag }) =>
        async () =>
          `sha256:${createHash('sha256')
            .update(await skopeo(['inspect', '--raw'], `${options.destination}/${repository}:${tag}`))
            .digest('hex')}`,
    ),
    options.parallel,
  );
  const noop = present.filter((item, i) => destinationDigests[i] === item.source.Digest).length;
  return {
    invocations,
    create: selected.length - present.length,
    noop,
    update: present.length - noop,
    skipped: work.length - selected.length,
  };
}
