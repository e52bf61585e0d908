/**
 * `regsync serve` scraped by a REAL Prometheus (Debian's `prometheus`, on a private port): its query API returns
 * regsync_last_success_timestamp_seconds for every mirror; and /metrics passes `promtool check metrics` (exit 3,
 * style warnings, is allowed: prom-client's default nodejs_* metrics always give some; exit 1 is a parse error).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { pushImage } from '../harness/images.js';
import { startPrometheus } from '../harness/prometheus.js';
import type { PrometheusInstance } from '../harness/prometheus.js';
import { startRegistry } from '../harness/registry.js';
import type { RegistryInstance } from '../harness/registry.js';
import { makeTempDir } from '../harness/temp.js';
import { ensureTools } from '../harness/tools.js';
import { planEnv } from './plan-fixture.js';
import { startServe, waitFor } from './serve-fixture.js';
import type { ServeProcess } from './serve-fixture.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MIRRORS = ['apps', 'tools'];

let source: RegistryInstance;
let destination: RegistryInstance;
let serve: ServeProcess;
let prometheus: PrometheusInstance;

before(async () => {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  await ensureTools();
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  await pushImage({ url: source.url }, 'team/app', 'v1', { created: '2024-05-01T00:00:00Z', content: 'prom-app' });
  await pushImage({ url: source.url }, 'tools/cli', 'v1', { created: '2024-05-01T00:00:00Z', content: 'prom-cli' });
  const dir = await makeTempDir('serve-prometheus');
  await writeFile(
    join(dir, 'regsync.yaml'),
    `version: 1
mirrors:
  - name: apps
    source: ${source.host}/team
    destination: ${destination.host}/mirror
    executor: registry
  - name: tools
    source: ${source.host}/tools
    destination: ${destination.host}/tools
    executor: registry
`,
  );
  serve = await startServe(['--interval', '2s'], await planEnv(), dir);
  prometheus = await startPrometheus([new URL(serve.url).host]);
});

after(async () => {
  serve?.child.kill('SIGKILL');
  await Promise.all([prometheus?.stop(), source?.stop(), destination?.stop()]);
});

describe('regsync serve scraped by a real Prometheus', () => {
  it('the query API returns regsync_last_success_timestamp_seconds for every mirror', async () => {
    const samples = await waitFor(
      'a sample per mirror in Prometheus',
      async () => {
        const result = await prometheus.query('regsync_last_success_timestamp_seconds');
        return MIRRORS.every((mirror) => result.some((sample) => sample.metric.mirror === mirror)) ? result : null;
      },
      () => `serve:\n${serve.log()}`,
    );
    for (const sample of samples) {
      assert.equal(sample.metric.job, 'regsync');
      assert.ok(sample.value > 1_700_000_000, `a Unix time: ${sample.value}`);
    }
    const up = await prometheus.query('up{job="regsync"}');
    assert.deepEqual(
      up.map((sample) => sample.value),
      [1],
    );
  });

  it('/metrics passes promtool check metrics (style warnings only)', async () => {
    const text = await (await fetch(`${serve.url}/metrics`)).text();
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.ok(checked.status === 0 || checked.status === 3, `promtool exit ${checked.status}:\n${checked.stdout}${checked.stderr}`);
    // Whatever it warns about is prom-client's defaults, never a regsync_ metric.
    assert.doesNotMatch(`${checked.stdout}${checked.stderr}`, /regsync_/);
  });
});
