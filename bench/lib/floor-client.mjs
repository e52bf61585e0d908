// The floor a no-op `regsync plan` is measured against (`npm run bench -- floor`): a minimal client making exactly
// the requests the no-op plan makes, and nothing else. Plain node (no TypeScript loader, no dependency), its own
// process like regsync, keep-alive agents with 8 sockets per host, both hosts at once:
//   GET the source catalog (the bench config lists it), then per repository under PREFIX: GET the tag list at
//   each side, then a HEAD of every tag at each side, comparing the digests.
// Usage: node bench/lib/floor-client.mjs SOURCE_HOST DESTINATION_HOST PREFIX
// Prints one JSON line: { requests, repositories, tags, differing }. Exit 1 on any failed request.
import { Buffer } from 'node:buffer';
import console from 'node:console';
import http from 'node:http';
import process from 'node:process';

const [sourceHost, destinationHost, prefix] = process.argv.slice(2);
if (sourceHost === undefined || destinationHost === undefined || prefix === undefined) {
  console.error('usage: node bench/lib/floor-client.mjs SOURCE_HOST DESTINATION_HOST PREFIX');
  process.exit(2);
}

// What regsync accepts for a manifest (src/registry/manifest.ts MANIFEST_ACCEPT): registries answer by it.
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

let requests = 0;

/** One keep-alive agent per host, 8 sockets, as regsync's pool allows per host. */
function hostClient(host) {
  const [hostname, port] = host.split(':');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  /** @returns {Promise<{ status: number, headers: http.IncomingHttpHeaders, body: string }>} */
  const send = (method, path, headers = {}) =>
    new Promise((resolve, reject) => {
      requests += 1;
      const request = http.request({ hostname, port: Number(port), method, path, headers, agent }, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end();
    });
  return {
    async json(path) {
      const { status, body } = await send('GET', path);
      if (status !== 200) throw new Error(`GET ${host}${path}: ${status}`);
      return JSON.parse(body);
    },
    async digest(repository, tag) {
      const { status, headers } = await send('HEAD', `/v2/${repository}/manifests/${tag}`, { accept: ACCEPT });
      if (status !== 200) throw new Error(`HEAD ${host}/${repository}:${tag}: ${status}`);
      return headers['docker-content-digest'];
    },
    close: () => agent.destroy(),
  };
}

const source = hostClient(sourceHost);
const destination = hostClient(destinationHost);

async function repositoryDiffering(repository) {
  const [sourceTags, destinationTags] = await Promise.all(
    [source, destination].map(async (side) => (await side.json(`/v2/${repository}/tags/list`)).tags ?? []),
  );
  const present = new Set(destinationTags);
  const digests = await Promise.all(
    sourceTags.map(async (tag) => {
      const [at, there] = await Promise.all([
        source.digest(repository, tag),
        present.has(tag) ? destination.digest(repository, tag) : null,
      ]);
      return at === there ? 0 : 1;
    }),
  );
  return { tags: sourceTags.length, differing: digests.reduce((sum, n) => sum + n, 0) };
}

try {
  const catalog = await source.json('/v2/_catalog');
  const repositories = (catalog.repositories ?? []).filter((name) => name.startsWith(`${prefix}/`));
  const results = await Promise.all(repositories.map(repositoryDiffering));
  const tags = results.reduce((sum, r) => sum + r.tags, 0);
  const differing = results.reduce((sum, r) => sum + r.differing, 0);
  process.stdout.write(`${JSON.stringify({ requests, repositories: repositories.length, tags, differing })}\n`);
} catch (error) {
  console.error(`floor client: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  source.close();
  destination.close();
}
