/**
 * examples/kubernetes: the manifests are valid Kubernetes objects (kubernetes-models' OpenAPI validators and
 * interfaces), and wire regsync as the README says: config from the ConfigMap, credentials from a Secret mounted
 * as a Docker config.json, the registry executor, memory sized from the measurements, shards in an Indexed Job.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { ICronJob, IJob } from 'kubernetes-models/batch/v1';
import type { IPodSpec, IService } from 'kubernetes-models/v1';
import type { IStatefulSet } from 'kubernetes-models/apps/v1';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { ensureTools } from '../harness/tools.js';
import { loadConfig } from '../../src/config/load.js';
import { parseYamlFile, parseYamlRecord, repoRoot, yamlFilesUnder } from '../helpers/example-yaml.js';
import { openApiProblems, typeProblems } from '../helpers/kubernetes-schemas.js';

interface Kustomization {
  resources: string[];
  configMapGenerator: { name: string; files: string[] }[];
}
const DIR = 'examples/kubernetes';
// serve-monitoring.yaml holds the Prometheus operator's custom resources, which kubernetes-models has no models
// for: checked below by their own rules (and the alert by promtool).
const NOT_OBJECTS = new Set([`${DIR}/regsync.yaml`, `${DIR}/kustomization.yaml`, `${DIR}/serve-monitoring.yaml`]);
const manifests = yamlFilesUnder(DIR).filter((file) => !NOT_OBJECTS.has(file));
const objects = manifests.flatMap((file) => parseYamlFile(file).map((object) => ({ file, object: object as Record<string, unknown> })));
const kustomization = parseYamlRecord(`${DIR}/kustomization.yaml`) as unknown as Kustomization;
const cronJob = parseYamlRecord(`${DIR}/cronjob.yaml`) as unknown as ICronJob;
const indexedJob = parseYamlRecord(`${DIR}/indexed-job.yaml`) as unknown as IJob;

/** Mebibytes of a Kubernetes memory quantity (Mi, Gi, M, G, or bytes). */
function mebibytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)?$/.exec(quantity);
  assert.ok(match, `memory quantity ${quantity}`);
  const factor = { Mi: 1, Gi: 1024, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 }[match[2] as 'Mi'] ?? 1 / 2 ** 20;
  return Number(match[1]) * factor;
}

describe('examples/kubernetes manifests against the Kubernetes schemas', () => {
  it('has a CronJob, an Indexed Job, and serve as a StatefulSet with its Service', () => {
    const names = objects.map(({ object }) => object as unknown as IJob);
    assert.deepEqual(names.map((object) => `${object.kind} ${object.metadata?.name}`).sort(), [
      'CronJob regsync',
      'Job regsync-sharded',
      'Service regsync-serve',
      'StatefulSet regsync-serve',
    ]);
  });

  for (const { file, object } of objects) {
    it(`${file}: ${String(object.kind)} passes the OpenAPI validator`, () => assert.equal(openApiProblems(object), null));
  }

  let diagnostics: string[][] = [];
  const broken = structuredClone(indexedJob) as unknown as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
  const brokenContainer = broken.spec.template.spec.containers[0]!;
  brokenContainer.resource = brokenContainer.resources;
  before(() => {
    diagnostics = typeProblems([...objects.map(({ object }) => object), broken]);
  });

  it('every field is one the Kubernetes types know (no typo or misplaced key)', () => {
    assert.deepEqual(
      diagnostics.slice(0, objects.length),
      objects.map(() => []),
    );
  });

  it('the checks catch what they are for (a wrong enum value, a misspelt field)', () => {
    const wrongEnum = structuredClone(indexedJob) as unknown as { spec: Record<string, unknown> };
    wrongEnum.spec.completionMode = 'indexed';
    assert.match(openApiProblems(wrongEnum) ?? '', /completionMode must be equal to one of the allowed values/);
    assert.match(diagnostics.at(-1)?.join('\n') ?? '', /'"resource"' does not exist in type 'IContainer'/);
  });
});

/** The pod spec of a CronJob or a Job. */
function podSpec(object: ICronJob | IJob): IPodSpec {
  return (object.kind === 'CronJob' ? object.spec!.jobTemplate.spec!.template.spec : object.spec!.template.spec)!;
}

describe('examples/kubernetes run regsync as documented', () => {
  for (const object of [cronJob, indexedJob]) {
    const pod = podSpec(object);
    const container = pod.containers[0]!;
    const volume = (name: string) => pod.volumes!.find((v) => v.name === name)!;
    const mount = (name: string) => container.volumeMounts!.find((m) => m.name === name)!;
    const env = (name: string): string | undefined => container.env!.find((e) => e.name === name)?.value;

    it(`${object.kind}: applies without a prompt, config from the ConfigMap the kustomization makes`, () => {
      const args = container.args!;
      assert.deepEqual(args.slice(0, 2), ['apply', '--yes']);
      const configFile = args[args.indexOf('-c') + 1]!;
      const configMount = mount('config');
      assert.equal(configFile, `${configMount.mountPath}/regsync.yaml`);
      assert.equal(configMount.readOnly, true);
      const generator = kustomization.configMapGenerator.find((g) => g.name === volume('config').configMap?.name);
      assert.deepEqual(generator?.files, ['regsync.yaml']);
    });

    it(`${object.kind}: credentials are the Secret's .dockerconfigjson as DOCKER_CONFIG/config.json; no Docker socket`, () => {
      assert.deepEqual(volume('docker-config').secret?.items, [{ key: '.dockerconfigjson', path: 'config.json' }]);
      assert.equal(env('DOCKER_CONFIG'), mount('docker-config').mountPath);
      assert.equal(mount('docker-config').readOnly, true);
      assert.ok(!JSON.stringify(pod).includes('docker.sock'), 'a pod has no Docker socket');
      assert.equal(pod.restartPolicy, 'Never');
    });

    it(`${object.kind}: memory requests cover one measured copy (118 MB), limits four in flight`, () => {
      const { requests, limits } = container.resources as { requests: { memory: string }; limits: { memory: string } };
      // bench/README.md: ~66 MiB at start plus 45-70 MiB per copy in flight; apply runs 4 changes at once.
      assert.ok(mebibytes(requests.memory) >= 135, `requests ${requests.memory}`);
      assert.ok(mebibytes(limits.memory) >= 66 + 4 * 70, `limits ${limits.memory}`);
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
      assert.equal(env('REGSYNC_CACHE_DIR'), mount('cache').mountPath, 'the fact cache on a writable volume');
    });
  }

  it('the Indexed Job gives pod I the shard $(JOB_COMPLETION_INDEX)/N, N = completions = parallelism', () => {
    assert.equal(indexedJob.spec?.completionMode, 'Indexed');
    const args = podSpec(indexedJob).containers[0]!.args!;
    const shard = args[args.indexOf('--shard') + 1];
    assert.equal(shard, `$(JOB_COMPLETION_INDEX)/${indexedJob.spec?.completions}`);
    assert.equal(indexedJob.spec?.parallelism, indexedJob.spec?.completions);
  });

  it('the kustomization names files that exist, and the config uses the registry executor only', async () => {
    for (const file of [...kustomization.resources, ...kustomization.configMapGenerator.flatMap((g) => g.files)]) {
      assert.ok(existsSync(join(repoRoot, DIR, file)), `${file} exists`);
    }
    const config = await loadConfig({ configFile: join(repoRoot, DIR, 'regsync.yaml'), cwd: repoRoot, env: {} });
    assert.deepEqual([...new Set(config.mirrors.map((mirror) => mirror.executor))], ['registry']);
  });
});

describe('examples/kubernetes: regsync serve', () => {
  const [statefulSet, service] = parseYamlFile(`${DIR}/serve.yaml`) as [IStatefulSet, IService];
  const [podMonitor, rule] = parseYamlFile(`${DIR}/serve-monitoring.yaml`) as [MonitoringObject, MonitoringObject];
  const pod = statefulSet.spec!.template.spec!;
  const container = pod.containers[0]!;
  const port = container.ports!.find((p) => p.name === 'http')!;
  const podLabels = statefulSet.spec!.template.metadata!.labels!;
  const selects = (selector: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => podLabels[k] === v);

  it('pod I serves shard I/N: the ordinal from the pod-index label, N = replicas; --listen is the named port', () => {
    const args = container.args!;
    assert.equal(args[0], 'serve');
    assert.equal(args[args.indexOf('--shard') + 1], `$(POD_INDEX)/${statefulSet.spec!.replicas}`);
    const index = container.env!.find((e) => e.name === 'POD_INDEX');
    assert.equal(index?.valueFrom?.fieldRef?.fieldPath, "metadata.labels['apps.kubernetes.io/pod-index']");
    assert.equal(args[args.indexOf('--listen') + 1], `:${port.containerPort}`);
    assert.ok(args.includes('--interval') || args.includes('--cron'));
  });

  it('liveness asks /healthz, readiness /readyz, on the metrics port', () => {
    assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(container.livenessProbe?.httpGet?.port, 'http');
    assert.equal(container.readinessProbe?.httpGet?.port, 'http');
    // A SIGTERM lets in-flight copies finish within 10 s: the grace period leaves room for it.
    assert.ok((pod.terminationGracePeriodSeconds ?? 30) > 10);
  });

  it("the headless Service selects the pods, governs the StatefulSet and keeps not-ready pods' endpoints", () => {
    assert.equal(statefulSet.spec!.serviceName, service.metadata!.name);
    assert.equal(service.spec!.clusterIP, 'None');
    assert.equal(service.spec!.publishNotReadyAddresses, true);
    assert.ok(selects(service.spec!.selector!));
    assert.ok(selects(statefulSet.spec!.selector.matchLabels!));
    assert.equal(service.spec!.ports![0]!.targetPort, 'http');
  });

  it('the PodMonitor scrapes /metrics on the named port of the serve pods', () => {
    assert.equal(podMonitor.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(podMonitor.kind, 'PodMonitor');
    const spec = podMonitor.spec as {
      selector: { matchLabels: Record<string, string> };
      podMetricsEndpoints: { port: string; path: string }[];
    };
    assert.ok(selects(spec.selector.matchLabels));
    assert.deepEqual(
      spec.podMetricsEndpoints.map((e) => `${e.port} ${e.path}`),
      ['http /metrics'],
    );
  });

  it('the PrometheusRule alerts on regsync_mirror_out_of_sync_seconds and passes promtool check rules', async () => {
    assert.equal(rule.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(rule.kind, 'PrometheusRule');
    const groups = (rule.spec as { groups: { rules: { alert?: string; expr: string }[] }[] }).groups;
    const exprs = groups.flatMap((group) => group.rules.map((r) => r.expr));
    assert.ok(exprs.some((expr) => expr.includes('regsync_mirror_out_of_sync_seconds')));
    await ensureTools();
    const file = join(mkdtempSync(join(tmpdir(), 'regsync-rules-')), 'rules.yaml');
    writeFileSync(file, stringify({ groups }));
    const checked = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    assert.equal(checked.status, 0, `${checked.stdout}${checked.stderr}`);
  });
});

/** A Prometheus operator custom resource, as far as these checks read it. */
interface MonitoringObject {
  apiVersion: string;
  kind: string;
  spec: unknown;
}
