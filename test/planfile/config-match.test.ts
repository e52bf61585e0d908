/**
 * Issue 14 item 2: a saved plan cannot be steered by editing it. configMismatch says whether a plan file is one the
 * config could have produced (on plain data: the sample plan and the mirrors it was planned from); the schema
 * refuses made-up digests. Each edit below was accepted before (apply wrote where the edit said).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config, MirrorConfig } from '../../src/config/types.js';
import { configMismatch } from '../../src/planfile/config-match.js';
import { planProblems, serializePlan } from '../../src/planfile/index.js';
import type { PlanDocument } from '../../src/planfile/index.js';
import { sampleConfig, samplePlan } from '../helpers/sample-plan.js';

type ChangeDocument = PlanDocument['changes'][number];

const document = (): PlanDocument => JSON.parse(serializePlan(samplePlan())) as PlanDocument;
const CREATE = 'apps:127.0.0.1:5001/mirror/app1:v1.0.3';
const DELETE = 'apps:127.0.0.1:5001/mirror/app1:v0.8';
const DOCKER = 'base:127.0.0.1:5002/alpine:3.20';

/** The sample plan with one change edited, and the config (sample mirrors, `apps` overridden) it is checked against. */
function mismatch(id: string, edit: (change: ChangeDocument) => void, apps: Partial<MirrorConfig> = {}): string | null {
  const plan = document();
  const change = plan.changes.find((c) => c.id === id);
  assert.ok(change !== undefined, id);
  edit(change);
  const config: Config = sampleConfig();
  config.mirrors = config.mirrors.map((mirror) => (mirror.name === 'apps' ? { ...mirror, ...apps } : mirror));
  return configMismatch(config, plan);
}

/** An edit that keeps the file self-consistent: ref and id follow the edited parts. */
function consistent(change: ChangeDocument): void {
  change.target.ref = `${change.target.endpoint}/${change.target.repository}:${change.target.tag}`;
  if (change.source !== null) change.source.ref = `${change.source.endpoint}/${change.source.repository}:${change.source.tag}`;
  change.id = `${change.mirror}:${change.target.ref}`;
}

const line = (id: string, what: string) => `plan file does not match its config: change "${id}" ${what}: run regsync plan again`;

describe('a saved plan the config could have produced', () => {
  it('the honest plan passes, as does one with a platform subset the mirror asks for', () => {
    assert.equal(configMismatch(sampleConfig(), document()), null);
    assert.equal(
      mismatch(CREATE, (c) => (c.copy = { platforms: ['linux/amd64'] }), { platforms: ['linux/amd64'] }),
      null,
    );
    assert.equal(
      mismatch(CREATE, (c) => (c.copy = { platforms: null }), { platforms: ['linux/amd64'] }),
      null,
    );
  });

  it('target.repository and target.tag edited, ref and id left: refused, naming the change, the target and the mapping', () => {
    const edit = (c: ChangeDocument) => {
      c.target.repository = 'evil/two';
      c.target.tag = 'pwn';
    };
    assert.equal(
      mismatch(CREATE, edit),
      line(
        CREATE,
        'targets 127.0.0.1:5001/evil/two:pwn, but mirror apps maps 127.0.0.1:5000/team/app1:v1.0.3 to 127.0.0.1:5001/mirror/app1:v1.0.3',
      ),
    );
    // The same edit with ref and id made to match: still not where the mirror maps the source.
    assert.equal(
      mismatch(CREATE, (c) => (edit(c), consistent(c))),
      line(
        'apps:127.0.0.1:5001/evil/two:pwn',
        'targets 127.0.0.1:5001/evil/two:pwn, but mirror apps maps 127.0.0.1:5000/team/app1:v1.0.3 to 127.0.0.1:5001/mirror/app1:v1.0.3',
      ),
    );
  });

  it('the target endpoint, the tag alone, or a source moved under the target: refused', () => {
    assert.match(
      mismatch(CREATE, (c) => (c.target.endpoint = '127.0.0.1:6666'))!,
      /targets 127\.0\.0\.1:6666\/mirror\/app1:v1\.0\.3, but/,
    );
    assert.match(
      mismatch(CREATE, (c) => (c.target.tag = 'latest'))!,
      /targets 127\.0\.0\.1:5001\/mirror\/app1:latest, but/,
    );
    assert.match(
      mismatch(CREATE, (c) => (c.source!.repository = 'team/app2'))!,
      /maps 127\.0\.0\.1:5000\/team\/app2:v1\.0\.3 to 127\.0\.0\.1:5001\/mirror\/app2:v1\.0\.3/,
    );
  });

  it('a ref that is not its parts (the display steered, apply not): refused, naming the field', () => {
    assert.equal(
      mismatch(CREATE, (c) => (c.source!.ref = '127.0.0.1:5000/team/app1:v1.0.2')),
      line(
        CREATE,
        'has source.ref 127.0.0.1:5000/team/app1:v1.0.2, but its endpoint, repository and tag are 127.0.0.1:5000/team/app1:v1.0.3',
      ),
    );
    // The target's ref and id edited together (the id check alone cannot see it).
    assert.equal(
      mismatch(CREATE, (c) => {
        c.target.ref = '127.0.0.1:5001/mirror/app1:v9';
        c.id = 'apps:127.0.0.1:5001/mirror/app1:v9';
      }),
      line(
        'apps:127.0.0.1:5001/mirror/app1:v9',
        'has target.ref 127.0.0.1:5001/mirror/app1:v9, but its endpoint, repository and tag are 127.0.0.1:5001/mirror/app1:v1.0.3',
      ),
    );
    assert.equal(
      mismatch(DELETE, (c) => (c.target.tag = null)),
      line(DELETE, 'has target.tag null, but regsync plan always names a tag'),
    );
  });

  it('a source the mirror does not read or select: refused', () => {
    const moved =
      (repository: string, tag = 'v1.0.3') =>
      (c: ChangeDocument) => {
        c.source!.repository = repository;
        c.source!.tag = tag;
        c.target.repository = repository.replace(/^[^/]+/, 'mirror');
        c.target.tag = tag;
        consistent(c);
      };
    assert.match(
      mismatch(CREATE, moved('other/app1'))!,
      /reads 127\.0\.0\.1:5000\/other\/app1:v1\.0\.3, but mirror apps reads from 127\.0\.0\.1:5000\/team: run/,
    );
    assert.match(
      mismatch(CREATE, moved('team/app1', 'v2.0.0-rc1'))!,
      /reads 127\.0\.0\.1:5000\/team\/app1:v2\.0\.0-rc1, a tag mirror apps does not select/,
    );
    assert.match(
      mismatch(CREATE, moved('team/secret'), { repositories: { names: ['app1', 'app2'], include: [], exclude: [] } })!,
      /reads 127\.0\.0\.1:5000\/team\/secret:v1\.0\.3, a repository mirror apps does not select/,
    );
    assert.match(
      mismatch(CREATE, moved('team/secret'), { repositories: { names: null, include: [], exclude: ['^secret$'] } })!,
      /a repository mirror apps does not select/,
    );
    assert.match(
      mismatch(CREATE, (c) => ((c.source!.endpoint = '127.0.0.1:6666'), consistent(c)))!,
      /reads 127\.0\.0\.1:6666\/team/,
    );
  });

  it('a delete outside the repositories the mirror manages, or in a mirror that does not prune: refused', () => {
    const to = (repository: string) => (c: ChangeDocument) => ((c.target.repository = repository), consistent(c));
    assert.equal(
      mismatch(DELETE, to('evil/two')),
      line(
        'apps:127.0.0.1:5001/evil/two:v0.8',
        'deletes 127.0.0.1:5001/evil/two:v0.8, outside the repositories mirror apps manages at 127.0.0.1:5001/mirror',
      ),
    );
    assert.match(
      mismatch(DELETE, (c) => ((c.target.endpoint = '127.0.0.1:5002'), consistent(c)))!,
      /deletes 127\.0\.0\.1:5002\/mirror\/app1:v0\.8, outside/,
    );
    assert.match(mismatch(DELETE, to('mirror/secret'), { repositories: { names: null, include: [], exclude: ['^secret$'] } })!, /outside/);
    assert.match(mismatch(DELETE, to('mirror/app9'), { repositories: { names: ['app1', 'app2'], include: [], exclude: [] } })!, /outside/);
    // A repository of the listed catalog the config does not exclude is one the mirror manages.
    assert.equal(mismatch(DELETE, to('mirror/app9')), null);
    // Without prune neither a delete nor a tag kept for a shared digest can be planned (the kept one comes first).
    const config = sampleConfig();
    config.mirrors = config.mirrors.map((mirror) => ({ ...mirror, prune: false }));
    const plan = document();
    assert.equal(
      configMismatch(config, plan),
      line('apps:127.0.0.1:5001/mirror/app1:stable', 'keeps 127.0.0.1:5001/mirror/app1:stable, but mirror apps does not prune'),
    );
    assert.equal(
      configMismatch(config, { changes: plan.changes.filter((c) => c.reason !== 'digest-shared-with-kept-tag') }),
      line(DELETE, 'deletes 127.0.0.1:5001/mirror/app1:v0.8, but mirror apps does not prune'),
    );
  });

  it("copy.platforms other than the mirror's platforms and executor give: refused", () => {
    assert.equal(
      mismatch(CREATE, (c) => (c.copy = { platforms: ['linux/amd64'] })),
      line(CREATE, 'copies platforms ["linux/amd64"], but mirror apps (executor registry) copies the whole image'),
    );
    assert.match(
      mismatch(CREATE, (c) => (c.copy = { platforms: ['linux/arm64'] }), { platforms: ['linux/amd64'] })!,
      /copies platforms \["linux\/arm64"\], but mirror apps \(executor registry\) copies the whole image or some of platforms \["linux\/amd64"\]/,
    );
    assert.equal(
      mismatch(DOCKER, (c) => (c.copy = { platforms: ['linux/arm64'] })),
      line(DOCKER, 'copies platforms ["linux/arm64"], but mirror base (executor docker) copies platforms ["linux/amd64"]'),
    );
    assert.match(
      mismatch(DOCKER, (c) => (c.copy = { platforms: null }))!,
      /copies the whole image, but mirror base \(executor docker\)/,
    );
  });

  it('a mirror the config does not have, or another executor: refused', () => {
    assert.match(
      mismatch(CREATE, (c) => ((c.mirror = 'evil'), consistent(c)))!,
      /change "evil:127\.0\.0\.1:5001\/mirror\/app1:v1\.0\.3" names mirror evil, which the config does not have/,
    );
    assert.equal(
      mismatch(DOCKER, (c) => (c.executor = 'registry')),
      line(DOCKER, 'runs on executor registry, but mirror base uses docker'),
    );
  });
});

// Referrer changes (formatVersion 3) and hostile edits of them: test/planfile/referrers.test.ts.

// Issue 16: cosign's legacy tags travel with their image whatever the tag filters say of their names (the sample
// mirror `apps` selects semver >=1.0.0 only), so a legacy tag create is one the config could produce exactly when
// the mirror carries legacy tags; and prune keeps a tag that refers to a kept one (noop referrer-of-kept-tag).
describe('cosign legacy tags and referrer tags in a saved plan', () => {
  const LEGACY = `sha256-${'c'.repeat(64)}.sig`;
  const toLegacy = (c: ChangeDocument) => {
    c.source!.tag = LEGACY;
    c.target.tag = LEGACY;
    consistent(c);
  };
  const legacyId = `apps:127.0.0.1:5001/mirror/app1:${LEGACY}`;

  it('a legacy tag create is accepted from a mirror that carries legacy tags, though its tag filters drop the name', () => {
    assert.equal(mismatch(CREATE, toLegacy, { referrers: { artifactTypes: null, legacyCosignTags: true } }), null);
  });

  it('refused with legacyCosignTags: false or without referrers (the tag filters decide, as for any tag)', () => {
    const refused = line(legacyId, `reads 127.0.0.1:5000/team/app1:${LEGACY}, a tag mirror apps does not select`);
    assert.equal(mismatch(CREATE, toLegacy, { referrers: { artifactTypes: null, legacyCosignTags: false } }), refused);
    assert.equal(mismatch(CREATE, toLegacy), refused);
    // Only the legacy names travel so: another tag the filters drop is still refused.
    const other = (c: ChangeDocument) => {
      c.source!.tag = 'sha256-abc.sig';
      c.target.tag = 'sha256-abc.sig';
      consistent(c);
    };
    assert.match(
      mismatch(CREATE, other, { referrers: { artifactTypes: null, legacyCosignTags: true } })!,
      /a tag mirror apps does not select/,
    );
  });

  it('a noop referrer-of-kept-tag (prune keeps it) is accepted from a pruning mirror, refused from one that does not prune', () => {
    const kept = (c: ChangeDocument) => {
      c.action = 'noop';
      c.reason = 'referrer-of-kept-tag';
    };
    assert.equal(mismatch(DELETE, kept), null);
    assert.match(mismatch(DELETE, kept, { prune: false })!, /keeps 127\.0\.0\.1:5001\/mirror\/app1:\S+, but mirror apps does not prune/);
  });
});

describe('the schema: digests are sha256: and 64 hex digits', () => {
  for (const digest of ['sha256:abc', 'sha512:' + 'a'.repeat(128), 'sha256:' + 'A'.repeat(64), 'md5:abc']) {
    it(digest.length > 20 ? `${digest.slice(0, 16)}…` : digest, () => {
      const plan = document();
      plan.changes.find((c) => c.id === CREATE)!.source!.digest = digest;
      plan.changes.find((c) => c.id === DELETE)!.target.digest = digest;
      plan.configDigest = digest;
      const problems = planProblems(plan);
      for (const where of ['/configDigest', `/changes/${plan.changes.findIndex((c) => c.id === CREATE)}/source/digest`])
        assert.ok(
          problems.some((p) => p.startsWith(`${where}: must match pattern`)),
          problems.join('\n'),
        );
    });
  }
});
