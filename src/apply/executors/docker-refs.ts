import type { Change, ChangeLocation } from '../../plan/types.js';
import { formatImageRef, imageRefAt } from '../../oci/index.js';
import type { ImageRef } from '../../oci/index.js';
import { RegsyncError } from '../../util/errors.js';
import type { CommandOperation } from '../operations.js';

/** The references and platform of one docker copy, as the docker CLI writes them. */
export interface DockerCopyRefs {
  /** `host/repository@sha256:...`: what was reviewed is what is pulled. */
  source: string;
  /** `host/repository:tag` */
  target: string;
  /** null only when the plan names no platform (docker then picks the engine's own). */
  platform: string | null;
  sourceHost: string;
  targetHost: string;
  /** The image ID docker will give the pulled platform, when the plan knows it. */
  configDigest: string | null;
}

/** The reference of one end, as docker names it: Docker Hub's aliases become `docker.io`, official images `library/x`. */
function dockerRef(location: ChangeLocation, tag: string | null, digest: string | null): string {
  const ref: ImageRef = imageRefAt(location.endpoint, location.repository, tag, digest);
  if (ref.scheme === 'ocidir') {
    throw new RegsyncError(`the docker executor cannot read or write ${location.ref}: use executor: registry for ocidir:// endpoints`, {
      code: 'UNSUPPORTED',
      reference: location.ref,
    });
  }
  return formatImageRef(ref);
}

/** The parsed references of a create or update change. */
export function dockerCopyRefs(change: Change): DockerCopyRefs {
  const { source, target } = change;
  if (source === null || target.tag === null) {
    throw new RegsyncError(`change ${change.id} is not a copy (no source or no destination tag)`, {
      code: 'INTERNAL',
      reference: target.ref,
    });
  }
  return {
    source: dockerRef(source, null, source.digest),
    target: dockerRef(target, target.tag, null),
    platform: change.copy?.platforms?.[0] ?? null,
    sourceHost: source.endpoint,
    targetHost: target.endpoint,
    configDigest: source.configDigest,
  };
}

/** The docker commands of one copy, as the user would type them (also what --dry-run prints). */
export function dockerCommands(refs: DockerCopyRefs): { pull: string[]; tag: string[]; push: string[] } {
  return {
    pull: ['pull', ...(refs.platform !== null ? ['--platform', refs.platform] : []), refs.source],
    tag: ['tag', refs.source, refs.target],
    push: ['push', refs.target],
  };
}

/** The three commands of one copy as operation values: what --dry-run prints and what the executor runs. */
export function dockerOperations(
  change: Change,
  binary: string,
): { pull: CommandOperation; tag: CommandOperation; push: CommandOperation } {
  const commands = dockerCommands(dockerCopyRefs(change));
  const operation = (args: string[]): CommandOperation => ({ kind: 'command', binary, args });
  return { pull: operation(commands.pull), tag: operation(commands.tag), push: operation(commands.push) };
}
