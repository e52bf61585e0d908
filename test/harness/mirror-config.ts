import { writeFile } from 'node:fs/promises';

/** One mirror between two plain-HTTP registries, as tests and benches write it. */
export interface MirrorConfigOptions {
  source: string;
  destination: string;
  /** Repository prefixes at each end (`bench` → `SOURCE/bench`). */
  from: string;
  to: string;
  /** `defaults:` lines after the executor (e.g. `removalQueue: 2`). */
  executor?: { name: 'registry' | 'docker'; extra?: string[] };
  maxAge?: string | null;
  /** `tags.latest`: keep only the N most recently created tags. */
  latest?: number | null;
}

/** Writes a config file with one mirror `SOURCE/FROM → DESTINATION/TO`, every tag selected (or `tags.maxAge`, `tags.latest`). */
export async function writeMirrorConfig(file: string, options: MirrorConfigOptions): Promise<string> {
  const executor = options.executor ?? { name: 'registry' };
  const lines = [
    'version: 1',
    'registries:',
    `  "${options.source}": {tls: disabled}`,
    `  "${options.destination}": {tls: disabled}`,
    'defaults:',
    `  executor: ${executor.name}`,
    ...(executor.extra ?? []).map((line) => `  ${line}`),
    'mirrors:',
    `  - name: ${options.from.replaceAll('/', '-')}`,
    `    source: ${options.source}/${options.from}`,
    `    destination: ${options.destination}/${options.to}`,
    ...(options.maxAge || options.latest ? ['    tags:'] : []),
    ...(options.maxAge ? [`      maxAge: ${options.maxAge}`] : []),
    ...(options.latest ? [`      latest: ${options.latest}`] : []),
    '',
  ];
  await writeFile(file, lines.join('\n'));
  return file;
}
