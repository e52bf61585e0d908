import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { logTail, spawnDaemon } from './processes.js';
import { makeTempDir, removeTempDir } from './temp.js';

/** A real Prometheus server (Debian's `prometheus`) scraping the given targets every second, on a private port. */
export interface PrometheusInstance {
  /** http://127.0.0.1:PORT */
  url: string;
  logFile: string;
  /** `GET /api/v1/query?query=...`: the instant vector's samples (labels and value). */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  stop(): Promise<void>;
}

/** `targets`: `host:port` each, scraped at /metrics over plain HTTP. */
export async function startPrometheus(targets: string[]): Promise<PrometheusInstance> {
  const dir = await makeTempDir('prometheus');
  const config = join(dir, 'prometheus.yml');
  await writeFile(
    config,
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: regsync
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: [${targets.map((target) => JSON.stringify(target)).join(', ')}]
`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(dir, 'prometheus.log');
  const daemon = spawnDaemon(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Its web UI assets are not needed, and the package's console templates may be absent.
      `--web.console.templates=${dir}`,
      `--web.console.libraries=${dir}`,
    ],
    { logFile, cleanupDir: dir },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (daemon.exited() || Date.now() > deadline) {
      await daemon.stop();
      throw new Error(`prometheus did not become ready on ${url}:\n${logTail(logFile)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    logFile,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as {
        status: string;
        data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
        error?: string;
      };
      if (body.status !== 'success' || body.data === undefined) throw new Error(`query ${promql} failed: ${body.error ?? response.status}`);
      return body.data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
    },
    async stop() {
      await daemon.stop('SIGKILL');
      await removeTempDir(dir);
    },
  };
}
