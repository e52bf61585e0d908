/**
 * A registry that accepts connections and never answers (or stops mid-body) must not hang regsync:
 * registries."<host>".timeout bounds every wait, timed-out requests are retried, each retry is one line on
 * stderr (none with -q), and the final error names the host, the request and the timeout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRegistryPool } from '../../src/registry/pool.js';
import { formatRetryNotice } from '../../src/registry/retry-notice.js';
import type { RetryNotice } from '../../src/registry/retry-notice.js';
import { isRegsyncError } from '../../src/util/errors.js';
import { startStallingServer } from '../harness/stalling-server.js';
import type { StallingServer } from '../harness/stalling-server.js';
import { startLab, cli, planEnv } from './plan-fixture.js';
import type { Lab } from './plan-fixture.js';

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('registries."<host>".timeout against servers that stop answering', { concurrency: true }, () => {
  let silent: StallingServer;
  let stalling: StallingServer;
  let lab: Lab;

  before(async () => {
    [silent, stalling, lab] = await Promise.all([
      startStallingServer(),
      startStallingServer({
        type: 'partial-body',
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        length: 5000,
        sent: 100,
      }),
      startLab(),
    ]);
  });
  after(async () => {
    await Promise.all([silent?.stop(), stalling?.stop(), lab?.stop()]);
  });

  it('a request without an answer times out, is retried 3 times with a notice each, then fails naming host, request and timeout', async () => {
    const notices: RetryNotice[] = [];
    const pool = createRegistryPool({
      hosts: { [silent.host]: { timeout: 1000 } },
      retry: { baseDelayMs: 20 },
      onRetry: (notice) => notices.push(notice),
    });
    const before = silent.connections;
    await assert.rejects(pool.get('registry', silent.host).listTags('team/app'), (error: unknown) => {
      assert.ok(isRegsyncError(error), String(error));
      assert.equal(error.code, 'NETWORK');
      assert.equal(error.host, silent.host);
      assert.match(
        error.message,
        new RegExp(`^GET ${escape(silent.host)}/v2/team/app/tags/list failed after 4 attempts: timed out after 1s: check that`),
      );
      return true;
    });
    await pool.close();
    assert.deepEqual(
      notices.map(formatRetryNotice),
      [2, 3, 4].map((attempt) => `retrying GET ${silent.host}/v2/team/app/tags/list (attempt ${attempt} of 4): timed out after 1s`),
    );
    assert.ok(silent.connections - before >= 1, 'the requests reached the server');
  });

  it('a body that stops arriving times out too, and the manifest is asked for again', async () => {
    const notices: RetryNotice[] = [];
    const pool = createRegistryPool({
      hosts: { [stalling.host]: { timeout: 1000 } },
      retry: { baseDelayMs: 20 },
      onRetry: (notice) => notices.push(notice),
    });
    await assert.rejects(pool.get('registry', stalling.host).getManifest('team/app', 'v1'), (error: unknown) => {
      assert.ok(isRegsyncError(error), String(error));
      assert.equal(error.code, 'NETWORK');
      assert.match(error.message, /^GET 127\.0\.0\.1:\d+\/v2\/team\/app\/manifests\/v1 failed after 4 attempts: timed out after 1s/);
      return true;
    });
    await pool.close();
    assert.deepEqual(
      notices.map((notice) => [notice.attempt, notice.reason]),
      [2, 3, 4].map((attempt) => [attempt, 'timed out after 1s']),
    );
  });

  const config = (): string => `version: 1
registries:
  "${silent.host}":
    timeout: 1s
mirrors:
  - name: stuck
    source: ${silent.host}/team
    destination: DST/mirror
    executor: registry
    repositories:
      names: [app]
`;

  it('regsync plan: one stderr line per retry, then the error and exit 1', async () => {
    const file = await lab.writeConfig('stuck.yaml', config());
    const result = await cli(['plan', '-c', file], await planEnv(), lab.dir);
    assert.equal(result.code, 1, result.stderr);
    const retries = result.stderr.split('\n').filter((line) => line.startsWith('retrying '));
    assert.deepEqual(
      retries,
      [2, 3, 4].map((attempt) => `retrying GET ${silent.host}/v2/team/app/tags/list (attempt ${attempt} of 4): timed out after 1s`),
    );
    assert.match(result.stderr, new RegExp(`GET ${escape(silent.host)}/v2/team/app/tags/list failed after 4 attempts: timed out after 1s`));
  });

  it('regsync plan -q: the error without retry lines', async () => {
    const file = await lab.writeConfig('stuck-quiet.yaml', config());
    const result = await cli(['plan', '-q', '-c', file], await planEnv(), lab.dir);
    assert.equal(result.code, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /retrying/);
    assert.match(result.stderr, /timed out after 1s/);
  });
});
