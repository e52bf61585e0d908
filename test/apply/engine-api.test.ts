import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { ApiEngine, registryAuthHeader, splitReference } from '../../src/apply/executors/engine-api.js';
import { ByteCounter, StreamBroken, messageError, progressLine, readProgress } from '../../src/apply/executors/engine-api-progress.js';
import type { ProgressMessage } from '../../src/apply/executors/engine-api-progress.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('splitReference: the name and the tag or digest the API takes apart', () => {
  it('by digest, by tag, with a registry port, and with neither', () => {
    assert.deepEqual(splitReference(`127.0.0.1:5000/team/app@${DIGEST}`), ['127.0.0.1:5000/team/app', DIGEST]);
    assert.deepEqual(splitReference('127.0.0.1:5000/team/app:v1.2'), ['127.0.0.1:5000/team/app', 'v1.2']);
    assert.deepEqual(splitReference('docker.io/library/alpine:3'), ['docker.io/library/alpine', '3']);
    // The colon of a port is not a tag.
    assert.deepEqual(splitReference('127.0.0.1:5000/team/app'), ['127.0.0.1:5000/team/app', undefined]);
    assert.deepEqual(splitReference('alpine'), ['alpine', undefined]);
  });
});

/** The auth config JSON the engine decodes from the header (base64url, as Go's URLEncoding). */
function decode(header: string): unknown {
  assert.match(header, /^[A-Za-z0-9_=-]*$/, 'base64url: no + or /');
  return JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
}

describe('X-Registry-Auth: the credentials the engine uses for one registry', () => {
  it('basic credentials: username, password and the server address, base64url', () => {
    // Chosen so standard base64 of the JSON would hold both + and /.
    const password = 'p>?>?~~~?>>s';
    const header = registryAuthHeader({ kind: 'basic', username: 'ci', password, source: 'config' }, '127.0.0.1:5002');
    assert.ok(
      /[+/]/.test(Buffer.from(Buffer.from(header, 'base64url').toString('utf8')).toString('base64')),
      'the case tests the alphabet',
    );
    assert.deepEqual(decode(header), { username: 'ci', password, serveraddress: '127.0.0.1:5002' });
  });

  it('an identity token: identitytoken and the server address, no username or password', () => {
    const header = registryAuthHeader({ kind: 'identityToken', username: '<token>', token: 'tok-123', source: 'x' }, 'r.example');
    assert.deepEqual(decode(header), { identitytoken: 'tok-123', serveraddress: 'r.example' });
  });

  it('anonymous: an empty auth config', () => {
    assert.deepEqual(decode(registryAuthHeader({ kind: 'anonymous' }, 'r.example')), {});
  });

  it('no secret in the error of a step that fails (engine unreachable), neither plain nor encoded', async () => {
    const password = 'hunter2-very-secret';
    const engine = new ApiEngine(
      { socketPath: '/nonexistent/regsync-test/docker.sock', display: 'unix:///nonexistent/regsync-test/docker.sock' },
      {},
      [{ host: '127.0.0.1:5002', username: 'ci', password }],
    );
    const header = registryAuthHeader({ kind: 'basic', username: 'ci', password, source: 'config' }, '127.0.0.1:5002');
    try {
      for (const step of [
        () => engine.push('127.0.0.1:5002/app:v1', { host: '127.0.0.1:5002', reference: '127.0.0.1:5002/app:v1' }, {}),
        () =>
          engine.pull(
            `127.0.0.1:5002/app@${DIGEST}`,
            'linux/amd64',
            { host: '127.0.0.1:5002', reference: `127.0.0.1:5002/app@${DIGEST}` },
            {},
          ),
      ]) {
        const error = await step().then(
          () => assert.fail('the step should fail'),
          (caught: unknown) => caught as Error,
        );
        assert.match(
          error.message,
          /^docker (push|pull) 127\.0\.0\.1:5002\/app.* failed: Cannot connect to the Docker daemon at unix:\/\/\/nonexistent/,
        );
        const told = `${error.message} ${error.stack ?? ''} ${JSON.stringify(error)}`;
        assert.ok(!told.includes(password) && !told.includes(header), told);
      }
    } finally {
      await engine.close();
    }
  });
});

/** An HTTP answer the way node:http hands it over: bytes in the chunks given, then complete (or cut off). */
function answer(chunks: Array<string | Buffer>, complete = true): IncomingMessage {
  const stream = new PassThrough();
  for (const chunk of chunks) stream.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  stream.end();
  return Object.assign(stream, { complete }) as unknown as IncomingMessage;
}

const json = (message: ProgressMessage): string => `${JSON.stringify(message)}\n`;

describe("the engine's progress stream", () => {
  it('status lines as the docker CLI prints them; progress-bar updates are not lines', () => {
    assert.equal(progressLine({ status: 'Pulling from team/app', id: 'v1' }), 'v1: Pulling from team/app');
    assert.equal(progressLine({ status: 'Digest: sha256:abc' }), 'Digest: sha256:abc');
    assert.equal(progressLine({ status: 'Downloading', id: 'l1', progressDetail: { current: 10, total: 20 } }), null);
    assert.equal(progressLine({ status: 'Pull complete', id: 'l1', progressDetail: {} }), 'l1: Pull complete');
    assert.equal(progressLine({}), null);
  });

  it('bytes add up per layer: the highest current of each, Downloading and Pushing only', () => {
    const counter = new ByteCounter();
    const totals: number[] = [];
    const messages: ProgressMessage[] = [
      { status: 'Downloading', id: 'l1', progressDetail: { current: 100, total: 300 } },
      { status: 'Downloading', id: 'l2', progressDetail: { current: 50, total: 50 } },
      { status: 'Downloading', id: 'l1', progressDetail: { current: 300, total: 300 } },
      // Extracting counts the layer's uncompressed bytes again: not bytes moved, not counted.
      { status: 'Extracting', id: 'l2', progressDetail: { current: 120, total: 120 } },
      // A repeated or lower figure changes nothing.
      { status: 'Downloading', id: 'l1', progressDetail: { current: 200, total: 300 } },
      { status: 'Pushing', id: 'l3', progressDetail: { current: 7, total: 7 } },
      { status: 'Pushed', id: 'l3' },
    ];
    for (const message of messages) if (counter.note(message)) totals.push(counter.total);
    assert.deepEqual(totals, [100, 150, 350, 357]);
    assert.equal(counter.total, 357);
  });

  it("errorDetail is the engine's message (error when there is no detail)", () => {
    assert.equal(
      messageError({ errorDetail: { message: 'manifest unknown: manifest unknown' }, error: 'short' }),
      'manifest unknown: manifest unknown',
    );
    assert.equal(
      messageError({ error: 'denied: requested access to the resource is denied' }),
      'denied: requested access to the resource is denied',
    );
    assert.equal(messageError({ status: 'Pushed', id: 'l1' }), null);
  });

  it('reads messages split anywhere across chunks (a multi-byte character too), the last line without a newline', async () => {
    const text = [
      json({ status: 'Pulling from team/app', id: 'v1' }),
      json({ status: 'Downloading', id: 'l1', progressDetail: { current: 4096, total: 8192 } }),
      json({ status: 'Status: Downloaded newer image for café/app' }),
      JSON.stringify({ status: 'Digest: sha256:abc' }),
    ].join('');
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(Buffer.from('é')) + 1; // inside the two bytes of é
    const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 60), bytes.subarray(60, cut), bytes.subarray(cut)];
    const seen: ProgressMessage[] = [];
    assert.equal(await readProgress(answer(chunks), (message) => seen.push(message)), null);
    assert.deepEqual(
      seen.map((message) => message.status),
      ['Pulling from team/app', 'Downloading', 'Status: Downloaded newer image for café/app', 'Digest: sha256:abc'],
    );
  });

  it("an errorDetail fails with the engine's message: the first one, messages after it still read", async () => {
    const seen: ProgressMessage[] = [];
    const failure = await readProgress(
      answer([
        json({ status: 'The push refers to repository [127.0.0.1:5002/app]' }),
        json({ errorDetail: { message: 'unauthorized: authentication required' }, error: 'unauthorized: authentication required' }),
        json({ errorDetail: { message: 'a later one' } }),
      ]),
      (message) => seen.push(message),
    );
    assert.equal(failure, 'unauthorized: authentication required');
    assert.equal(seen.length, 3);
  });

  it('lines that are not JSON are skipped; a stream cut off before its end is StreamBroken', async () => {
    const seen: ProgressMessage[] = [];
    assert.equal(await readProgress(answer(['garbage\n\n', json({ status: 'ok' })]), (message) => seen.push(message)), null);
    assert.deepEqual(seen, [{ status: 'ok' }]);
    await assert.rejects(
      readProgress(answer([json({ status: 'Pushing' })], false), () => {}),
      StreamBroken,
    );
  });
});
