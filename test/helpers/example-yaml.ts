/** The YAML files shipped under examples/ (dot-directories such as .github included), parsed with the yaml package. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Every *.yml / *.yaml under dir, relative to the repository root, sorted; image layouts are skipped. */
export function yamlFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...yamlFilesUnder(path));
    else if (/\.ya?ml$/.test(entry.name)) found.push(path);
  }
  return found.sort();
}

/** Every document of a YAML file as plain data; throws with file:line:col on the first syntax error or warning. */
export function parseYamlFile(file: string): unknown[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  return parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true }).map((document) => {
    const problem = document.errors[0] ?? document.warnings[0];
    if (problem !== undefined) throw new Error(`${relative(repoRoot, join(repoRoot, file))}: ${problem.message}`);
    return document.toJS() as unknown;
  });
}

/** The single document of a YAML file, as a record. */
export function parseYamlRecord(file: string): Record<string, unknown> {
  const [document, ...rest] = parseYamlFile(file);
  if (rest.length > 0 || typeof document !== 'object' || document === null) throw new Error(`${file}: expected one mapping document`);
  return document as Record<string, unknown>;
}
