/**
 * What the docker executor needs from a Docker engine, whichever way it is reached: the Engine API over its socket
 * (engine-api.ts, the default) or the docker CLI (engine-cli.ts, for another CLI, Docker contexts and ssh://
 * hosts). Both name references and report failures the same way, so the executor's bookkeeping (pre-existing
 * images, the removal queue, putting the engine back as it was) is one piece of code.
 */
import { RegsyncError } from '../../util/errors.js';

/** What the engine holds under one reference or ID. */
export interface LocalImage {
  id: string;
  /** Bytes of the image as the engine stores it. */
  size: number;
}

/** The engine's images before a run: what it must never remove, and which of them had a name. */
export interface LocalImages {
  /** Every image ID (intermediate images included). */
  ids: Set<string>;
  /** IDs with at least one reference (`repo:tag` or `repo@digest`): removing only the references a run added leaves these named. */
  named: Set<string>;
}

/** Where a step's failure happened, for its error. */
export interface StepAt {
  host?: string;
  reference: string;
}

export interface StepOptions {
  signal?: AbortSignal;
  /** Each line of the engine's progress (docker's own lines, or the API's status lines written the same way). */
  onLine?: (line: string) => void;
  /** Bytes moved so far by this step (the API's progress; the CLI path does not call it). */
  onBytes?: (bytes: number) => void;
}

export interface Engine {
  /** For the one line a run logs: `Engine API at unix:///var/run/docker.sock`, `docker CLI (…)`. */
  readonly description: string;
  /** Before anything else (the CLI path writes its temporary Docker config). */
  open(): Promise<void>;
  /** The engine answers; otherwise throws the one error naming where it was looked for. */
  version(signal: AbortSignal): Promise<void>;
  /** What each reference or ID names in the engine, null when nothing. */
  inspect(references: readonly string[]): Promise<Array<LocalImage | null>>;
  list(): Promise<LocalImages>;
  /** `docker pull [--platform P] REF`; throws `docker pull REF failed: <the engine's message>`. */
  pull(reference: string, platform: string | null, at: StepAt, options: StepOptions): Promise<void>;
  /** `docker tag SOURCE TARGET`; throws like pull. */
  tag(source: string, target: string, at: StepAt, options: StepOptions): Promise<void>;
  /** `docker push REF`; throws like pull. */
  push(reference: string, at: StepAt, options: StepOptions): Promise<void>;
  /** `docker image rm REF...` without --force; the engine's complaint, or null when they are gone (or were). */
  remove(references: readonly string[]): Promise<string | null>;
  /** Once, when the run ends. */
  close(): Promise<void>;
}

/** The error of one failed step, the same on both paths: `docker pull REF failed: <cause>`. */
export function stepError(command: string, at: StepAt, cause: string): RegsyncError {
  return new RegsyncError(`docker ${command} ${at.reference} failed: ${cause}`, {
    code: 'EXECUTOR',
    ...(at.host !== undefined ? { host: at.host } : {}),
    reference: at.reference,
  });
}

/** Where docker looks for its engine, for the one error an unreachable engine gives. */
export function engineName(env: NodeJS.ProcessEnv): string {
  if (env.DOCKER_HOST) return `${env.DOCKER_HOST} (DOCKER_HOST)`;
  if (env.DOCKER_CONTEXT) return `docker context ${env.DOCKER_CONTEXT} (DOCKER_CONTEXT)`;
  return "docker's default engine (DOCKER_HOST is not set; usually unix:///var/run/docker.sock)";
}

/** The error of an engine that does not answer. */
export function unreachableError(env: NodeJS.ProcessEnv, cause: string): RegsyncError {
  return new RegsyncError(`cannot reach the Docker engine at ${engineName(env)}: ${cause}`, { code: 'EXECUTOR' });
}
