import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { Problem } from './problems.js';

/** A parsed config file: its plain value plus what is needed to point at a line and column. */
export interface ParsedFile {
  /** Path as the user gave it or relative to the cwd: this is what error messages print. */
  displayName: string;
  /** Absolute path. */
  file: string;
  value: unknown;
  document: Document.Parsed;
  lineCounter: LineCounter;
}

export interface Position {
  line: number;
  column: number;
}

/**
 * Parses YAML (JSON files too: YAML 1.2 reads them and keeps positions). Syntax errors come back as problems
 * carrying their own line:column, since there is no path to look up.
 */
export function parseConfigText(
  text: string,
  file: string,
  displayName: string,
): { parsed: ParsedFile; syntaxErrors: { position: Position; message: string }[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const syntaxErrors = document.errors.map((error) => {
    const start = error.linePos?.[0];
    // prettyErrors appends a code excerpt after a newline; the first line is the message itself.
    const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
    return { position: { line: start?.line ?? 1, column: start?.col ?? 1 }, message };
  });
  let value: unknown = null;
  if (syntaxErrors.length === 0) {
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // toJS refuses alias expansions that blow up (a "billion laughs" file): a problem with the file, not a crash.
      const reason = error instanceof Error ? error.message : String(error);
      syntaxErrors.push({ position: { line: 1, column: 1 }, message: `${reason} (write the values out instead of so many aliases)` });
    }
  }
  return { parsed: { displayName, file, value, document, lineCounter }, syntaxErrors };
}

/**
 * Line and column of `path` in the document: the value's node, or its key for `at: 'key'`. A path that does not
 * exist (a missing required key) points at the deepest ancestor that does.
 */
export function positionOf(parsed: ParsedFile, problem: Pick<Problem, 'path' | 'at'>): Position {
  let node: unknown = parsed.document.contents;
  let keyNode: unknown = null;
  let best: unknown = node;
  for (const segment of problem.path) {
    keyNode = null;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && scalarValue(item.key) === String(segment));
      if (pair === undefined) break;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else {
      break;
    }
    if (node === undefined || node === null) {
      best = keyNode ?? best;
      break;
    }
    best = problem.at === 'key' && keyNode !== null ? keyNode : node;
  }
  const offset = rangeStart(best);
  if (offset === null) return { line: 1, column: 1 };
  const pos = parsed.lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function scalarValue(node: unknown): string | null {
  if (isScalar(node)) return String(node.value);
  return null;
}

function rangeStart(node: unknown): number | null {
  if (node !== null && typeof node === 'object' && 'range' in node) {
    const range = (node as Node).range;
    if (Array.isArray(range) && typeof range[0] === 'number') return range[0];
  }
  return null;
}
