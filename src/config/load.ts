import path from 'node:path';
import { isPlainObject } from '../util/records.js';
import { redact } from '../util/redact.js';
import type { UserConfig } from './document.js';
import { caFileProblems } from './ca-file.js';
import { endpointCredentials } from './endpoint.js';
import { expandEnv } from './env.js';
import { locateConfig } from './locate.js';
import { normalizeConfig } from './normalize.js';
import { parseConfigText, positionOf } from './parse.js';
import type { ParsedFile } from './parse.js';
import { ConfigError, formatProblems, jsonPointer } from './problems.js';
import type { DocPath, Locator, Problem } from './problems.js';
import { schemaProblems } from './schema.js';
import { semanticProblems } from './semantic.js';
import type { Config } from './types.js';

/** A usable config plus what commands need around it. */
export interface LoadedConfig {
  config: Config;
  /** Values that must never be printed (passwords, credentials taken from the environment). */
  secrets: string[];
  /** The expanded, validated document as the user wrote it (before defaults were merged). */
  document: UserConfig;
  origin: { kind: 'file'; file: string; displayName: string } | { kind: 'flags' };
}

export interface LoadOptions {
  configFile?: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Finds, parses, expands, validates and normalises the config file; throws ConfigError listing every problem. */
export async function loadConfig(options: LoadOptions): Promise<Config> {
  return (await loadConfigFile(options)).config;
}

/** loadConfig, keeping the secrets and the user document for printing. */
export async function loadConfigFile(options: LoadOptions): Promise<LoadedConfig> {
  const { file, displayName, text } = await locateConfig(options);
  return loadConfigText(text, { file, displayName, env: options.env });
}

/** The pipeline on text already read: parse → expand ${VAR} → schema → semantic checks → normalise. */
export function loadConfigText(text: string, options: { file: string; displayName: string; env: NodeJS.ProcessEnv }): LoadedConfig {
  const { parsed, syntaxErrors } = parseConfigText(text, options.file, options.displayName);
  if (syntaxErrors.length > 0) {
    const lines = syntaxErrors
      .sort((a, b) => a.position.line - b.position.line || a.position.column - b.position.column)
      .map((e) => `${options.displayName}:${e.position.line}:${e.position.column} YAML syntax error: ${e.message}`);
    throw new ConfigError(lines, options.displayName);
  }
  const baseDir = path.dirname(options.file);
  const { document, secrets } = checkDocument(parsed.value, {
    env: options.env,
    locate: fileLocator(parsed),
    origin: options.displayName,
    baseDir,
  });
  const config = normalizeConfig(document, { file: options.file, baseDir });
  return { config, secrets, document, origin: { kind: 'file', file: options.file, displayName: options.displayName } };
}

/** Where a document to check came from, and what earlier stages already know about it. */
export interface CheckOptions {
  /** null: nothing is expanded (values from flags were already expanded by the shell). */
  env: NodeJS.ProcessEnv | null;
  locate: Locator;
  /** The file's display name, or "command line". */
  origin: string;
  /** The directory relative paths (caFile) are read from. */
  baseDir: string;
  knownSecrets?: readonly string[];
  /** Problems found before (while reading flags): their places are not reported again. */
  earlier?: readonly Problem[];
}

/** Expands and validates a raw document (from a file or built from flags). Throws ConfigError with every problem, redacted. */
export function checkDocument(raw: unknown, options: CheckOptions): { document: UserConfig; secrets: string[] } {
  const { env, locate, origin, knownSecrets = [], earlier = [] } = options;
  if (raw === null || raw === undefined) {
    throw new ConfigError([`${origin}: the config is empty (start from examples/quickstart/regsync.yaml)`], origin);
  }
  const expanded = env === null ? { value: raw, problems: [], secrets: [], writtenPath: (p: DocPath) => p } : expandEnv(raw, env);
  const secrets = [...knownSecrets, ...expanded.secrets, ...endpointSecrets(expanded.value)];
  // A place already reported (while reading flags or expanding, or by the schema) is not reported again by a later
  // stage: a value whose ${VAR} is missing is not also "not a registry location". An unknown key at that place still is.
  const reported = new Set([...earlier, ...expanded.problems.filter((p) => p.at === 'key')].map((p) => jsonPointer(p.path)));
  const emptied = new Set(expanded.problems.filter((p) => p.at !== 'key').map((p) => jsonPointer(p.path)));
  const fromSchema = schemaProblems(expanded.value).filter((p) => {
    const pointer = jsonPointer(p.path);
    return !reported.has(pointer) && (p.at === 'key' || !emptied.has(pointer));
  });
  const rejected = new Set([...reported, ...emptied, ...fromSchema.map((p) => jsonPointer(p.path))]);
  const problems: Problem[] = [
    ...earlier,
    ...expanded.problems,
    ...fromSchema,
    ...semanticProblems(expanded.value, rejected),
    ...caFileProblems(expanded.value, options.baseDir, rejected),
  ];
  if (problems.length > 0) {
    // Paths are into the expanded document; a key written as ${VAR} is found in the file under that spelling.
    const located: Locator = (problem) => locate({ ...problem, path: expanded.writtenPath(problem.path) });
    const lines = formatProblems(problems, located).map((line) => redact(line, secrets));
    throw new ConfigError(lines, origin);
  }
  return { document: expanded.value as UserConfig, secrets };
}

/** Passwords written inside a mirror's source or destination (an error, but never to be printed). */
function endpointSecrets(value: unknown): string[] {
  const mirrors = isPlainObject(value) && Array.isArray(value.mirrors) ? (value.mirrors as unknown[]) : [];
  return mirrors.flatMap((mirror) =>
    isPlainObject(mirror)
      ? [mirror.source, mirror.destination].flatMap((end) => (typeof end === 'string' ? (endpointCredentials(end)?.secrets ?? []) : []))
      : [],
  );
}

/** `regsync.yaml:14:9 /mirrors/1/tags/maxAge: message`. */
function fileLocator(parsed: ParsedFile): Locator {
  return (problem) => {
    const { line, column } = positionOf(parsed, problem);
    return { line, column, text: `${parsed.displayName}:${line}:${column} ${jsonPointer(problem.path)}: ${problem.message}` };
  };
}
