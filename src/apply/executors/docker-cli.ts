import { execa } from 'execa';
import { RegsyncError } from '../../util/errors.js';
import { redact } from '../../util/redact.js';

/** The docker CLI regsync runs: `--docker PATH`, else `$DOCKER`, else `docker` on PATH (podman's docker CLI works too). */
export function resolveDockerBinary(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env.DOCKER;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : 'docker';
}

/** What one docker command left behind; the caller decides whether a failure is an error. */
export interface DockerResult {
  ok: boolean;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** The cancel signal stopped the command (its child was killed). */
  canceled: boolean;
  /** The binary could not be started at all (not on PATH, not executable). */
  notStarted: boolean;
}

export interface DockerRunOptions {
  signal?: AbortSignal;
  /** Each line docker prints on stdout or stderr, as it comes. */
  onLine?: (line: string) => void;
}

/** Runs the docker CLI with a fixed environment; secrets it may echo are redacted from everything it returns. */
export class DockerCli {
  constructor(
    readonly binary: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly secrets: readonly string[],
  ) {}

  /** Removes the secrets regsync holds from a text docker printed. */
  clean(text: string): string {
    return redact(text, this.secrets);
  }

  async run(args: string[], options: DockerRunOptions = {}): Promise<DockerResult> {
    const { onLine } = options;
    const clean = (text: string) => this.clean(text);
    const forward = function* (line: unknown) {
      if (onLine !== undefined && typeof line === 'string' && line.trim() !== '') onLine(clean(line));
      yield line;
    };
    const result = await execa(this.binary, args, {
      env: this.env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      stdout: forward,
      stderr: forward,
      // The docker CLI cancels its API request on SIGTERM; SIGKILL follows if it lingers.
      ...(options.signal !== undefined ? { cancelSignal: options.signal } : {}),
      forceKillAfterDelay: 2000,
      stripFinalNewline: true,
    });
    const code = (result.cause as { code?: unknown } | undefined)?.code;
    return {
      ok: !result.failed,
      exitCode: result.exitCode,
      stdout: this.clean(String(result.stdout)),
      stderr: this.clean(String(result.stderr)),
      canceled: result.isCanceled,
      notStarted: code === 'ENOENT' || code === 'EACCES',
    };
  }
}

/** Docker's own words for a failure: its last stderr lines (the "Error response from daemon: ..." line). */
export function dockerCause(result: DockerResult): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' ').trim();
  return text || `exit code ${String(result.exitCode)}`;
}

/** The error for a docker command that could not run or failed, naming the command's reference and docker's text. */
export function dockerCommandError(
  cli: DockerCli,
  command: string,
  result: DockerResult,
  at: { host?: string; reference: string },
): RegsyncError {
  if (result.notStarted) return missingBinaryError(cli.binary);
  const cause = result.canceled ? 'interrupted' : dockerCause(result);
  return new RegsyncError(`docker ${command} ${at.reference} failed: ${cause}`, {
    code: 'EXECUTOR',
    ...(at.host !== undefined ? { host: at.host } : {}),
    reference: at.reference,
  });
}

export function missingBinaryError(binary: string): RegsyncError {
  return new RegsyncError(
    `the docker CLI "${binary}" cannot be run: install docker, or name a docker-compatible CLI with --docker PATH or DOCKER`,
    { code: 'EXECUTOR' },
  );
}
