import type { DockerCli, DockerResult } from './docker-cli.js';
import { dockerCause, dockerCommandError } from './docker-cli.js';
import type { LocalImage, LocalImages } from './engine.js';

/** docker and podman say a reference or ID is not in the engine in these words. */
const NOT_HERE = /no such image|no such object|image not known|not found: .*image/i;

/** podman prints image IDs without the `sha256:` docker puts in front. */
function normalizeImageId(id: string): string {
  const trimmed = id.trim();
  return trimmed.startsWith('sha256:') ? trimmed : `sha256:${trimmed}`;
}

export type { LocalImage, LocalImages } from './engine.js';

/** The image a reference or ID names in the engine, or null when it holds none; other failures throw. */
export async function inspectLocalImage(cli: DockerCli, reference: string): Promise<LocalImage | null> {
  const result = await cli.run(['image', 'inspect', '--format', '{{.Id}} {{.Size}}', reference]);
  if (!result.ok) {
    if (!result.notStarted && NOT_HERE.test(result.stderr)) return null;
    throw dockerCommandError(cli, 'image inspect', result, { reference });
  }
  return parseImageLine(result.stdout);
}

function parseImageLine(line: string): LocalImage {
  const [id = '', size = '0'] = line.trim().split(/\s+/);
  return { id: normalizeImageId(id), size: Number(size) || 0 };
}

/**
 * What the engine holds under each of several references, in one `docker image inspect` (one process instead of
 * one per reference). docker prints the found ones in order and names each missing one on stderr; when the output
 * cannot be matched that way (another CLI), each reference is inspected on its own.
 */
export async function inspectLocalImages(cli: DockerCli, references: readonly string[]): Promise<Array<LocalImage | null>> {
  if (references.length <= 1) return Promise.all(references.map((reference) => inspectLocalImage(cli, reference)));
  const result = await cli.run(['image', 'inspect', '--format', '{{.Id}} {{.Size}}', ...references]);
  const found = result.stdout.split('\n').filter((line) => line.trim() !== '');
  const missingLines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  const missing = references.map((reference) =>
    missingLines.some((line) => NOT_HERE.test(line) && line.trimEnd().endsWith(` ${reference}`)),
  );
  const matched =
    !result.notStarted &&
    missing.filter(Boolean).length === missingLines.length &&
    found.length + missingLines.length === references.length &&
    (result.ok || missingLines.length > 0);
  if (!matched) {
    if (result.notStarted) throw dockerCommandError(cli, 'image inspect', result, { reference: references.join(' ') });
    const each: Array<LocalImage | null> = [];
    for (const reference of references) each.push(await inspectLocalImage(cli, reference));
    return each;
  }
  let next = 0;
  return missing.map((isMissing) => (isMissing ? null : parseImageLine(found[next++]!)));
}

/** Every image in the engine, one `docker image ls` (a row per reference; `<none>` repository for an unnamed image). */
export async function listLocalImages(cli: DockerCli): Promise<LocalImages> {
  const result = await cli.run(['image', 'ls', '--all', '--no-trunc', '--format', '{{.ID}} {{.Repository}}']);
  if (!result.ok) throw dockerCommandError(cli, 'image ls', result, { reference: 'local images' });
  const images: LocalImages = { ids: new Set(), named: new Set() };
  for (const line of result.stdout.split('\n')) {
    const [id = '', repository = '<none>'] = line.trim().split(/\s+/);
    if (id === '') continue;
    const normalized = normalizeImageId(id);
    images.ids.add(normalized);
    if (repository !== '<none>') images.named.add(normalized);
  }
  return images;
}

/** Lines of a failed `docker image rm` other than "no such image" (already gone is what we wanted). */
function removalProblems(result: DockerResult): string[] {
  return result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !NOT_HERE.test(line));
}

/**
 * `docker image rm REF...` without --force: an image another reference or a container still uses only loses
 * these references. Resolves with docker's complaint, or null when the references are gone.
 */
export async function removeReferences(cli: DockerCli, references: string[]): Promise<string | null> {
  if (references.length === 0) return null;
  const result = await cli.run(['image', 'rm', ...references]);
  if (result.ok) return null;
  if (result.notStarted) return `docker image rm ${references.join(' ')} failed: ${dockerCause(result)}`;
  const problems = removalProblems(result);
  return problems.length === 0 ? null : `docker image rm ${references.join(' ')} failed: ${problems.join(' ')}`;
}
