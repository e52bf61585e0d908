import type { Change } from '../plan/types.js';
import { RegsyncError } from '../util/errors.js';

/**
 * What apply does, as values: the one description of an operation that the executor (or the deleter) carries out
 * and `--dry-run` prints through `formatOperation`. Nothing else writes the text of an operation, so what a dry
 * run shows is what a real run does.
 */
export type Operation = DeleteOperation | CopyOperation | CommandOperation;

/** A manifest deleted by digest through the registry API, only if no other tag still points at it (apply/delete.ts). */
export interface DeleteOperation {
  kind: 'delete';
  target: { endpoint: string; repository: string };
  digest: string;
  /** The tag the plan deletes; null for a referrer pruned with its subject (the deleter then guards every tag at the digest). */
  tag: string | null;
  /** A referrer pruned with its subject: the digest it refers to. */
  subject?: string;
}

/** A copy through the registry API (executors/registry.ts): source by digest, to the destination tag. */
export interface CopyOperation {
  kind: 'copy';
  source: { endpoint: string; repository: string; digest: string };
  /** `endpoint/repository:tag` of the destination, as the plan shows it. */
  target: string;
  tag: string;
  /** The platforms copied into a subset index; null copies the whole image byte for byte. */
  platforms: string[] | null;
}

/** One external command (the docker executor's pull, tag and push), exactly as it runs. */
export interface CommandOperation {
  kind: 'command';
  binary: string;
  args: string[];
}

/** `host/repository@digest` (or `ocidir://DIR/repository@digest`) for messages about one manifest. */
export function digestRef(location: { endpoint: string; repository: string }, digest: string): string {
  return `${location.endpoint}/${location.repository}@${digest}`;
}

/** The delete a delete change makes. */
export function deleteOperation(change: Change): DeleteOperation {
  const digest = change.target.digest;
  if (digest === null) throw new RegsyncError(`change ${change.id} deletes no digest`, { code: 'INTERNAL' });
  return {
    kind: 'delete',
    target: { endpoint: change.target.endpoint, repository: change.target.repository },
    digest,
    tag: change.target.tag,
    ...(change.subject === undefined ? {} : { subject: change.subject }),
  };
}

/** The registry copy a create or update change makes. */
export function copyOperation(change: Change): CopyOperation {
  const { source, target } = change;
  // A referrer change names no tag: its manifest is pushed by its digest.
  const tag = target.tag ?? (change.subject !== undefined && source !== null ? source.digest : null);
  if (source === null || tag === null) throw new RegsyncError(`change ${change.id} has nothing to copy`, { code: 'INTERNAL' });
  return {
    kind: 'copy',
    source: { endpoint: source.endpoint, repository: source.repository, digest: source.digest },
    target: target.ref,
    tag,
    platforms: change.copy?.platforms ?? null,
  };
}

/** The one text of an operation: a dry-run line, and the line the docker executor shows as it runs a command. */
export function formatOperation(operation: Operation): string {
  switch (operation.kind) {
    case 'delete':
      if (operation.tag === null) {
        const what = operation.subject === undefined ? 'by digest' : `referrer of ${operation.subject}`;
        return `delete ${digestRef(operation.target, operation.digest)} (${what}; only if no tag points at it)`;
      }
      return `delete ${digestRef(operation.target, operation.digest)} (tag ${operation.tag}; only if no other tag points at it)`;
    case 'copy': {
      const what = operation.platforms === null ? 'whole image, byte for byte' : `platforms ${operation.platforms.join(', ')}`;
      return `copy ${digestRef(operation.source, operation.source.digest)} → ${operation.target} (${what})`;
    }
    case 'command':
      return [operation.binary, ...operation.args].join(' ');
  }
}
