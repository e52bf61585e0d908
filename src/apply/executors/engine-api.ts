/**
 * The docker executor's engine through the Docker Engine API (engine-api-client.ts): no docker process per step,
 * the engine's JSON progress read as it streams, credentials in the `X-Registry-Auth` header (no temporary
 * DOCKER_CONFIG on this path).
 */
import type { IncomingMessage } from 'node:http';
import { credentialSecrets, resolveCredentials } from '../../credentials/index.js';
import type { Credentials } from '../../credentials/index.js';
import { redact } from '../../util/redact.js';
import type { HeldCredential } from './docker-config.js';
import type { Engine, LocalImage, LocalImages, StepAt, StepOptions } from './engine.js';
import { stepError, unreachableError } from './engine.js';
import { EngineHttp, EngineUnreachable, errorMessage, readBody } from './engine-api-client.js';
import type { EngineEndpoint } from './engine-api-client.js';
import { ByteCounter, StreamBroken, progressLine, readProgress } from './engine-api-progress.js';

/** docker and podman say a reference or ID is not in the engine in these words. */
const NOT_HERE = /no such image|no such object|image not known|not found: .*image/i;

/** `host/repo@sha256:…` → [`host/repo`, `sha256:…`]; `host:5000/repo:tag` → [`host:5000/repo`, `tag`]. */
export function splitReference(reference: string): [name: string, tagOrDigest: string | undefined] {
  const at = reference.indexOf('@');
  if (at >= 0) return [reference.slice(0, at), reference.slice(at + 1)];
  const colon = reference.lastIndexOf(':');
  return colon > reference.lastIndexOf('/') ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, undefined];
}

/** The `X-Registry-Auth` value: base64url (padded, as the engine decodes it) of the auth config JSON. */
export function registryAuthHeader(credentials: Credentials, host: string): string {
  const config =
    credentials.kind === 'basic'
      ? { username: credentials.username, password: credentials.password, serveraddress: host }
      : credentials.kind === 'identityToken'
        ? { identitytoken: credentials.token, serveraddress: host }
        : {};
  return Buffer.from(JSON.stringify(config)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The image ID as docker writes it (podman leaves off `sha256:`). */
function normalizeImageId(id: string): string {
  return id.startsWith('sha256:') ? id : `sha256:${id}`;
}

interface ImageSummary {
  Id?: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
}

export class ApiEngine implements Engine {
  readonly description: string;
  private readonly http: EngineHttp;
  private readonly auths = new Map<string, Promise<string>>();
  private readonly secrets: string[] = [];

  constructor(
    endpoint: EngineEndpoint,
    private readonly env: NodeJS.ProcessEnv,
    private readonly held: readonly HeldCredential[],
  ) {
    this.http = new EngineHttp(endpoint);
    this.description = `Engine API at ${endpoint.display}`;
    for (const credential of held) if ('password' in credential) this.secrets.push(credential.password);
  }

  /** Nothing to set up: credentials go in each request's header. */
  open(): Promise<void> {
    return Promise.resolve();
  }

  async version(signal: AbortSignal): Promise<void> {
    try {
      await this.http.negotiate(signal);
    } catch (error) {
      throw unreachableError(this.env, (error as Error).message);
    }
  }

  async inspect(references: readonly string[]): Promise<Array<LocalImage | null>> {
    return Promise.all(
      references.map(async (reference) => {
        const response = await this.call('image inspect', { reference }, () => this.http.send('GET', `/images/${reference}/json`));
        if (response.statusCode === 404) {
          await readBody(response);
          return null;
        }
        if (response.statusCode !== 200) throw stepError('image inspect', { reference }, await this.daemonError(response));
        const image = JSON.parse(await readBody(response)) as { Id?: string; Size?: number };
        return { id: normalizeImageId(image.Id ?? ''), size: image.Size ?? 0 };
      }),
    );
  }

  async list(): Promise<LocalImages> {
    const at = { reference: 'local images' };
    const response = await this.call('image ls', at, () => this.http.send('GET', '/images/json', { query: { all: '1' } }));
    if (response.statusCode !== 200) throw stepError('image ls', at, await this.daemonError(response));
    const images: LocalImages = { ids: new Set(), named: new Set() };
    for (const image of JSON.parse(await readBody(response)) as ImageSummary[]) {
      if (image.Id === undefined) continue;
      const id = normalizeImageId(image.Id);
      images.ids.add(id);
      const names = [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])].filter((name) => !name.startsWith('<none>'));
      if (names.length > 0) images.named.add(id);
    }
    return images;
  }

  async pull(reference: string, platform: string | null, at: StepAt, options: StepOptions): Promise<void> {
    const [fromImage, tag] = splitReference(reference);
    const auth = await this.registryAuth(at.host);
    const query = { fromImage, tag, ...(platform !== null ? { platform } : {}) };
    await this.stream('pull', at, options, () =>
      this.http.send('POST', '/images/create', { query, headers: { 'X-Registry-Auth': auth }, signal: options.signal }),
    );
  }

  async tag(source: string, target: string, at: StepAt, options: StepOptions): Promise<void> {
    const [repo, tag] = splitReference(target);
    const response = await this.call('tag', at, () =>
      this.http.send('POST', `/images/${source}/tag`, { query: { repo, tag }, signal: options.signal }),
    );
    if (response.statusCode !== 201 && response.statusCode !== 200) throw stepError('tag', at, await this.daemonError(response));
    await readBody(response);
  }

  async push(reference: string, at: StepAt, options: StepOptions): Promise<void> {
    const [name, tag] = splitReference(reference);
    const auth = await this.registryAuth(at.host);
    await this.stream('push', at, options, () =>
      this.http.send('POST', `/images/${name}/push`, { query: { tag }, headers: { 'X-Registry-Auth': auth }, signal: options.signal }),
    );
  }

  /** One reference at a time, as `docker image rm` does; "no such image" is what was wanted. */
  async remove(references: readonly string[]): Promise<string | null> {
    if (references.length === 0) return null;
    const problems: string[] = [];
    for (const reference of references) {
      try {
        const response = await this.http.send('DELETE', `/images/${reference}`);
        if (response.statusCode === 200) {
          await readBody(response);
          continue;
        }
        const message = await errorMessage(response);
        if (response.statusCode !== 404 && !NOT_HERE.test(message)) problems.push(`Error response from daemon: ${this.clean(message)}`);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    return problems.length === 0 ? null : `docker image rm ${references.join(' ')} failed: ${problems.join(' ')}`;
  }

  close(): Promise<void> {
    this.http.close();
    return Promise.resolve();
  }

  /** The CLI's words for an error answer: `Error response from daemon: <message>`. */
  private async daemonError(response: IncomingMessage): Promise<string> {
    return `Error response from daemon: ${this.clean(await errorMessage(response))}`;
  }

  private clean(text: string): string {
    return redact(text, this.secrets);
  }

  /** Sends one request; an unreachable engine or an interrupt fails the step. */
  private async call(command: string, at: StepAt, send: () => Promise<IncomingMessage>): Promise<IncomingMessage> {
    try {
      return await send();
    } catch (error) {
      throw this.failure(command, at, error);
    }
  }

  private failure(command: string, at: StepAt, error: unknown): Error {
    if ((error as { name?: string }).name === 'AbortError') return stepError(command, at, 'interrupted');
    if (error instanceof EngineUnreachable || error instanceof StreamBroken) return stepError(command, at, error.message);
    return stepError(command, at, (error as Error).message);
  }

  /** A pull or push: the engine's lines to the task, its bytes to the progress, its error message fails the step. */
  private async stream(command: 'pull' | 'push', at: StepAt, options: StepOptions, send: () => Promise<IncomingMessage>): Promise<void> {
    const response = await this.call(command, at, send);
    if (response.statusCode !== 200) throw stepError(command, at, await this.daemonError(response));
    const counter = new ByteCounter();
    let failure: string | null;
    try {
      failure = await readProgress(response, (message) => {
        const line = progressLine(message);
        if (line !== null) options.onLine?.(this.clean(line));
        if (counter.note(message)) options.onBytes?.(counter.total);
      });
    } catch (error) {
      throw this.failure(command, at, options.signal?.aborted ? Object.assign(new Error('aborted'), { name: 'AbortError' }) : error);
    }
    if (failure !== null) throw stepError(command, at, this.clean(failure));
  }

  /** The credentials the run holds for a host (config, credential helper, the user's Docker config), once per host. */
  private registryAuth(host: string | undefined): Promise<string> {
    const key = host ?? '';
    let auth = this.auths.get(key);
    if (auth === undefined) {
      auth = this.resolveAuth(key);
      this.auths.set(key, auth);
    }
    return auth;
  }

  private async resolveAuth(host: string): Promise<string> {
    if (host === '') return registryAuthHeader({ kind: 'anonymous' }, host);
    const held = this.held.find((credential) => credential.host === host);
    const options =
      held === undefined
        ? {}
        : 'password' in held
          ? { username: held.username, password: held.password }
          : { credentialHelper: held.credentialHelper };
    const credentials = await resolveCredentials({ host, options, env: this.env });
    this.secrets.push(...credentialSecrets(credentials));
    return registryAuthHeader(credentials, host);
  }
}
