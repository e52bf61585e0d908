import { RegsyncError } from '../util/errors.js';
import { compareStrings } from '../util/compare.js';

/** A JSON path into the user's document, e.g. ['mirrors', 1, 'tags', 'maxAge']. */
export type DocPath = ReadonlyArray<string | number>;

/** One thing wrong with a config, before it is given a file position. */
export interface Problem {
  path: DocPath;
  message: string;
  /** Point at the key (unknown keys) rather than the value. */
  at?: 'key' | 'value';
}

/** A problem with its place resolved: `line` is 0 when the place has no line (flags, environment). */
export interface LocatedProblem {
  line: number;
  column: number;
  text: string;
}

/** Where a problem happened, as the user will read it: `regsync.yaml:14:9 /mirrors/1/tags/maxAge` or `--age`. */
export type Locator = (problem: Problem) => LocatedProblem;

/** Thrown when a config cannot be used; `problems` holds every formatted problem, sorted by line. */
export class ConfigError extends RegsyncError {
  readonly problems: string[];

  constructor(problems: string[], origin: string) {
    const count = problems.length;
    const head = count === 1 ? (problems[0] ?? '') : `${origin}: ${count} problems`;
    super(head, { code: 'CONFIG_INVALID', details: problems.join('\n') });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}

/** RFC 6901 JSON pointer for a path. */
export function jsonPointer(path: DocPath): string {
  if (path.length === 0) return '/';
  return path.map((part) => '/' + String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** Formats and orders problems: by line, then column, then text; identical lines are reported once. */
export function formatProblems(problems: readonly Problem[], locate: Locator): string[] {
  const located = problems.map(locate);
  located.sort((a, b) => a.line - b.line || a.column - b.column || compareStrings(a.text, b.text));
  return [...new Set(located.map((p) => p.text))];
}

/** Edit distance, to suggest the key a user probably meant. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== null && bestDistance <= limit ? best : null;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
