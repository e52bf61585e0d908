/**
 * The docker executor's engine through the docker CLI: for what the Engine API path cannot serve (another CLI named
 * by --docker PATH / DOCKER, Docker contexts, ssh:// hosts). Credentials reach docker through a temporary
 * DOCKER_CONFIG (temp-docker-config.ts).
 */
import { DockerCli, dockerCause, dockerCommandError, missingBinaryError } from './docker-cli.js';
import { heldSecrets } from './docker-config.js';
import type { HeldCredential } from './docker-config.js';
import { inspectLocalImages, listLocalImages, removeReferences } from './docker-images.js';
import type { Engine, LocalImage, LocalImages, StepAt, StepOptions } from './engine.js';
import { stepError, unreachableError } from './engine.js';
import { createTempDockerConfig } from './temp-docker-config.js';
import type { TempDockerConfig } from './temp-docker-config.js';

export class CliEngine implements Engine {
  readonly description: string;
  private cli: DockerCli;
  private tempConfig: TempDockerConfig | null = null;

  constructor(
    private readonly binary: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly held: readonly HeldCredential[],
    reason: string,
  ) {
    this.cli = new DockerCli(binary, env, heldSecrets(held));
    this.description = `docker CLI (${reason})`;
  }

  async open(): Promise<void> {
    this.tempConfig = await createTempDockerConfig(this.env, this.held);
    this.cli = new DockerCli(this.binary, { ...this.env, ...this.tempConfig?.env }, heldSecrets(this.held));
  }

  async version(signal: AbortSignal): Promise<void> {
    const result = await this.cli.run(['version', '--format', '{{.Server.Version}}'], { signal });
    if (result.ok) return;
    if (result.notStarted) throw missingBinaryError(this.binary);
    throw unreachableError(this.env, dockerCause(result));
  }

  inspect(references: readonly string[]): Promise<Array<LocalImage | null>> {
    return inspectLocalImages(this.cli, references);
  }

  list(): Promise<LocalImages> {
    return listLocalImages(this.cli);
  }

  pull(reference: string, platform: string | null, at: StepAt, options: StepOptions): Promise<void> {
    return this.step(['pull', ...(platform !== null ? ['--platform', platform] : []), reference], 'pull', at, options);
  }

  tag(source: string, target: string, at: StepAt, options: StepOptions): Promise<void> {
    return this.step(['tag', source, target], 'tag', at, options);
  }

  push(reference: string, at: StepAt, options: StepOptions): Promise<void> {
    return this.step(['push', reference], 'push', at, options);
  }

  remove(references: readonly string[]): Promise<string | null> {
    return removeReferences(this.cli, [...references]);
  }

  async close(): Promise<void> {
    const temp = this.tempConfig;
    this.tempConfig = null;
    await temp?.remove();
  }

  private async step(args: string[], command: string, at: StepAt, options: StepOptions): Promise<void> {
    if (options.signal?.aborted) throw stepError(command, at, 'interrupted');
    const result = await this.cli.run(args, {
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(options.onLine !== undefined ? { onLine: options.onLine } : {}),
    });
    if (!result.ok) throw dockerCommandError(this.cli, command, result, at);
  }
}
