import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerPlatform, matchTagNames, needsImageFacts, selectRepositories } from '../../src/plan/filters.js';
import { semverRejection, tagVersion } from '../../src/plan/semver-tag.js';
import { days, mirrorConfig } from '../helpers/inventory-builder.js';
import type { MirrorOverrides } from '../helpers/inventory-builder.js';

describe('selectRepositories', () => {
  const listed = ['app1', 'app2', 'tools/build', 'legacy/app1'];
  const cases: Array<{ name: string; repositories: MirrorOverrides['repositories']; selected: string[]; skipped: string[] }> = [
    {
      name: 'no filters keeps every listed repository, sorted',
      repositories: {},
      selected: ['app1', 'app2', 'legacy/app1', 'tools/build'],
      skipped: [],
    },
    {
      name: 'include is unanchored',
      repositories: { include: ['app'] },
      selected: ['app1', 'app2', 'legacy/app1'],
      skipped: ['include tools/build'],
    },
    {
      name: 'any include match keeps',
      repositories: { include: ['^app1$', '^tools/'] },
      selected: ['app1', 'tools/build'],
      skipped: ['include app2', 'include legacy/app1'],
    },
    {
      name: 'exclude drops',
      repositories: { exclude: ['^legacy/'] },
      selected: ['app1', 'app2', 'tools/build'],
      skipped: ['exclude legacy/app1'],
    },
    {
      name: 'include then exclude',
      repositories: { include: ['app'], exclude: ['2$'] },
      selected: ['app1', 'legacy/app1'],
      skipped: ['exclude app2', 'include tools/build'],
    },
    { name: 'names replace the catalog', repositories: { names: ['only/this', 'app1'] }, selected: ['app1', 'only/this'], skipped: [] },
    {
      name: 'names are filtered too',
      repositories: { names: ['only/this', 'app1'], exclude: ['only'] },
      selected: ['app1'],
      skipped: ['exclude only/this'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = selectRepositories(mirrorConfig({ repositories: c.repositories }), listed);
      assert.deepEqual(result.selected, c.selected);
      assert.deepEqual(result.skipped.map((s) => `${s.filter} ${s.repository}`).sort(), c.skipped);
    });
  }

  it('names the pattern that dropped a repository', () => {
    const { skipped } = selectRepositories(mirrorConfig({ repositories: { exclude: ['^legacy/'] } }), listed);
    assert.deepEqual(skipped, [{ repository: 'legacy/app1', filter: 'exclude', detail: 'matches exclude ^legacy/' }]);
  });

  it('refuses an invalid regex with a config error', () => {
    assert.throws(() => selectRepositories(mirrorConfig({ repositories: { include: ['('] } }), listed), { code: 'CONFIG_INVALID' });
  });
});

describe('matchTagNames', () => {
  const tags = ['latest', 'v0.9', 'v1.0.0', 'v1.2.3', '1.2.3-alpine', 'v2.0.0-rc1', 'nightly-2024', '3f2a1bc'];
  const cases: Array<{ name: string; tags: MirrorOverrides['tags']; kept: string[]; skipped: string[] }> = [
    { name: 'no filters keeps all', tags: {}, kept: [...tags].sort(), skipped: [] },
    {
      name: 'include',
      tags: { include: ['^v1'] },
      kept: ['v1.0.0', 'v1.2.3'],
      skipped: ['include 1.2.3-alpine', 'include 3f2a1bc', 'include latest', 'include nightly-2024', 'include v0.9', 'include v2.0.0-rc1'],
    },
    {
      name: 'exclude',
      tags: { exclude: ['rc', 'nightly'] },
      kept: ['1.2.3-alpine', '3f2a1bc', 'latest', 'v0.9', 'v1.0.0', 'v1.2.3'],
      skipped: ['exclude nightly-2024', 'exclude v2.0.0-rc1'],
    },
    {
      name: 'semver drops non-versions and versions out of range; a suffix is not a prerelease',
      tags: { semver: '>=1.0.0' },
      kept: ['1.2.3-alpine', 'v1.0.0', 'v1.2.3', 'v2.0.0-rc1'],
      skipped: ['semver 3f2a1bc', 'semver latest', 'semver nightly-2024', 'semver v0.9'],
    },
    {
      name: 'include → exclude → semver: each tag reported by the first filter that drops it',
      tags: { include: ['^v'], exclude: ['rc'], semver: '^1' },
      kept: ['v1.0.0', 'v1.2.3'],
      skipped: ['exclude v2.0.0-rc1', 'include 1.2.3-alpine', 'include 3f2a1bc', 'include latest', 'include nightly-2024', 'semver v0.9'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = matchTagNames(mirrorConfig({ tags: c.tags }), tags);
      assert.deepEqual(result.kept, c.kept);
      assert.deepEqual(result.skipped.map((s) => `${s.filter} ${s.tag}`).sort(), c.skipped);
    });
  }

  it('explains a semver rejection with the version core and the range', () => {
    const { skipped } = matchTagNames(mirrorConfig({ tags: { semver: '>=1.0.0' } }), ['v0.9', 'latest']);
    assert.deepEqual(skipped, [
      { tag: 'latest', filter: 'semver', detail: 'latest is not a version' },
      { tag: 'v0.9', filter: 'semver', detail: '0.9.0 does not satisfy >=1.0.0' },
    ]);
  });

  it('de-duplicates tags listed twice', () => {
    assert.deepEqual(matchTagNames(mirrorConfig(), ['a', 'b', 'a']).kept, ['a', 'b']);
  });
});

describe('tagVersion', () => {
  const cases: Array<[string, string | null]> = [
    ['v1.2.3', '1.2.3'],
    ['1.2.3-alpine', '1.2.3'],
    ['v0.9', '0.9.0'],
    ['20', '20.0.0'],
    ['1.2.3.4', '1.2.3'],
    ['01.02.03', '1.2.3'],
    ['1.25_alpine', '1.25.0'],
    ['latest', null],
    ['v', null],
    ['3f2a1bc', null],
    ['version1', null],
    ['1.2beta', null],
  ];
  for (const [tag, version] of cases) it(`${tag} → ${String(version)}`, () => assert.equal(tagVersion(tag), version));

  it('compares only the core, so 2.0.0-rc1 satisfies >=1.0.0', () => {
    assert.equal(semverRejection('2.0.0-rc1', '>=1.0.0'), null);
    assert.equal(semverRejection('1.0.0', '<1.0.0'), '1.0.0 does not satisfy <1.0.0');
  });
});

describe('needsImageFacts and dockerPlatform', () => {
  const cases: Array<[string, MirrorOverrides, boolean]> = [
    ['plain registry mirror', {}, false],
    ['semver and name filters only', { tags: { semver: '>=1', include: ['x'] } }, false],
    ['maxAge', { tags: { maxAge: days(30) } }, true],
    ['minAge', { tags: { minAge: days(1) } }, true],
    ['latest', { tags: { latest: 3 } }, true],
    ['docker executor', { executor: 'docker' }, true],
    ['a platforms subset', { platforms: ['linux/arm64'] }, true],
  ];
  for (const [name, overrides, expected] of cases)
    it(`${name} → ${expected}`, () => assert.equal(needsImageFacts(mirrorConfig(overrides)), expected));

  it('docker pulls platforms[0], else linux/amd64', () => {
    assert.equal(dockerPlatform(mirrorConfig({ executor: 'docker' })), 'linux/amd64');
    assert.equal(dockerPlatform(mirrorConfig({ executor: 'docker', platforms: ['linux/arm64', 'linux/amd64'] })), 'linux/arm64');
  });
});
