import { rename, rm, writeFile } from 'node:fs/promises';
import type { Plan } from '../plan/types.js';
import { RegsyncError } from '../util/errors.js';
import { changeDocument, toDocument } from './document.js';

/** The plan file's text, also what `regsync plan --json` prints: stable key order, 2-space indentation, a final newline. */
export function serializePlan(plan: Plan): string {
  return [...planTextChunks(plan)].join('');
}

/** About this many characters per chunk: few writes, and never the whole text of a large plan at once. */
const CHUNK = 64 * 1024;

/**
 * The same text in pieces, a change's document made and turned to text one at a time: printing a plan of many
 * thousand changes holds neither its whole text nor a second copy of it as documents (issue 17: peak memory).
 * The text is what JSON.stringify(document, null, 2) gives: the rest of the document is stringified whole with an
 * empty `changes` array, whose place (its key, two spaces in, is the document's alone) then takes the changes.
 */
export function* planTextChunks(plan: Plan): Generator<string> {
  const frame = `${JSON.stringify(toDocument({ ...plan, changes: [] }), null, 2)}\n`;
  const empty = '\n  "changes": []';
  const at = frame.indexOf(empty);
  if (plan.changes.length === 0) {
    yield frame;
    return;
  }
  if (at < 0) throw new Error('the plan document has no top-level "changes" key');
  let chunk = `${frame.slice(0, at)}\n  "changes": [\n`;
  for (const [index, change] of plan.changes.entries()) {
    chunk += `${index === 0 ? '' : ',\n'}    ${JSON.stringify(changeDocument(change), null, 2).replaceAll('\n', '\n    ')}`;
    if (chunk.length >= CHUNK) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}\n  ]${frame.slice(at + empty.length)}`;
}

function writeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'its directory does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** Writes the plan file atomically: a reader (or an interrupted run) never sees half a plan. */
export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, serializePlan(plan), 'utf8');
    await rename(temporary, path);
  } catch (error) {
    // The temporary name is ours, not the user's: name the file they asked for and what to do.
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new RegsyncError(`cannot write plan file ${path}: ${writeFailure(error)}; choose another --out path`, {
      code: 'USAGE',
      cause: error,
    });
  }
}
