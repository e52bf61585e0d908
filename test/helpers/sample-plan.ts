/** A fixed plan with every kind of change, skip and warning, for golden and round-trip tests. */
import type { Config, MirrorConfig } from '../../src/config/types.js';
import type { Plan } from '../../src/plan/types.js';
import { days, inventoryFor, mirrorConfig, planOf } from './inventory-builder.js';

/** The two mirrors samplePlan plans: apps (registry executor, prune) and base (docker executor). */
export function sampleMirrors(): { apps: MirrorConfig; base: MirrorConfig } {
  return {
    apps: mirrorConfig({ name: 'apps', prune: true, tags: { semver: '>=1.0.0', exclude: ['rc|beta'] } }),
    base: mirrorConfig({
      name: 'base',
      executor: 'docker',
      source: { scheme: 'registry', host: '127.0.0.1:5000', prefix: 'library' },
      destination: { scheme: 'registry', host: '127.0.0.1:5002', prefix: '' },
      tags: { maxAge: days(365), latest: 2 },
    }),
  };
}

/** The config samplePlan could have come from. */
export function sampleConfig(): Config {
  const { apps, base } = sampleMirrors();
  return { version: 1, file: null, registries: {}, mirrors: [apps, base] };
}

/** sampleConfig with referrers copied (legacy cosign tags too) by mirror `apps`, and `apps` changed as given. */
export function referrersConfig(apps: Partial<MirrorConfig> = {}): Config {
  const config = sampleConfig();
  config.mirrors = config.mirrors.map((m) =>
    m.name === 'apps' ? { ...m, referrers: { artifactTypes: null, legacyCosignTags: true }, ...apps } : m,
  );
  return config;
}

export function samplePlan(): Plan {
  const { apps, base } = sampleMirrors();
  const appsInventory = inventoryFor(apps)
    .source('app1', (r) =>
      r
        .image('v1.0.3', 'app1-103', '2024-03-05T12:00:00Z')
        .image('v1.0.2', 'app1-102', '2024-02-01T08:00:00Z')
        .image('v1.1.0', 'app1-110', '2024-04-01T00:00:00Z')
        .image('v0.9', 'app1-09', '2023-01-01T00:00:00Z')
        .image('v2.0.0-rc1', 'app1-rc', '2024-05-01T00:00:00Z')
        .image('latest', 'app1-110', '2024-04-01T00:00:00Z'),
    )
    .source('app2', (r) => r.image('1.2.3-alpine', 'app2-123', '2024-01-10T00:00:00Z'))
    .destination('mirror/app1', (r) =>
      r.image('v1.0.2', 'app1-102').image('v1.1.0', 'app1-110-old').image('v0.8', 'app1-08').image('stable', 'app1-102'),
    )
    .destination('mirror/app2', (r) => r.image('1.2.3-alpine', 'app2-123'))
    .build();
  const baseInventory = inventoryFor(base)
    .source('alpine', (r) =>
      r
        .index('3.20', {
          content: 'alpine-320',
          children: [
            { content: 'alpine-320-amd64', platform: 'linux/amd64', created: '2024-06-01T00:00:00Z' },
            { content: 'alpine-320-arm64', platform: 'linux/arm64', created: '2024-06-02T00:00:00Z' },
          ],
        })
        .image('3.19', 'alpine-319', '2024-01-01T00:00:00Z')
        .image('3.18', 'alpine-318', '2023-06-01T00:00:00Z')
        .image('edge', 'alpine-edge', null),
    )
    .destination('alpine', (r) => r.image('3.19', { content: 'alpine-319', manifest: 'alpine-319-pushed' }))
    .build();
  return planOf([apps, base], [appsInventory, baseInventory], { now: new Date('2024-07-01T00:00:00.000Z') }).plan;
}
