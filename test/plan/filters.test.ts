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
      name: 'semver drops non-versions, versions out of range and prereleases; a variant suffix is the version',
      tags: { semver: '>=1.0.0' },
      kept: ['1.2.3-alpine', 'v1.0.0', 'v1.2.3'],
      skipped: ['semver 3f2a1bc', 'semver latest', 'semver nightly-2024', 'semver v0.9', 'semver v2.0.0-rc1'],
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
});

describe('semver and prereleases (npm semver rules)', () => {
  const versions: Array<[string, string | null]> = [
    ['2.0.0-rc.1', '2.0.0-rc.1'],
    ['v2.0.0-rc1', '2.0.0-rc.1'],
    ['1.4-beta2', '1.4.0-beta.2'],
    ['3.0.0-SNAPSHOT', '3.0.0-snapshot'],
    ['1.0.0-alpha.01.2', '1.0.0-alpha.1.2'],
    ['1.0-preview', '1.0.0-preview'],
    ['1.2.3.rc1', '1.2.3-rc.1'],
    ['1.2.3-rc.1-alpine', '1.2.3-rc.1'],
    ['2.1.0-dev', '2.1.0-dev'],
    ['2.1.0-nightly.20260101', '2.1.0-nightly.20260101'],
    ['1.0.0-canary', '1.0.0-canary'],
    ['1.0.0-next.3', '1.0.0-next.3'],
    ['1.0.0-pre', '1.0.0-pre'],
    ['1.25.3-alpine', '1.25.3'],
    ['1.2.3-devel', '1.2.3'],
    ['1.2.3-nextcloud', '1.2.3'],
    ['1.2.3-rcfoo', '1.2.3'],
    ['1.2.3-bookworm', '1.2.3'],
  ];
  for (const [tag, version] of versions) it(`${tag} reads as ${String(version)}`, () => assert.equal(tagVersion(tag), version));

  const ranges: Array<{ tag: string; range: string; prerelease?: boolean; kept: boolean }> = [
    { tag: 'v2.0.0-rc.1', range: '>=1.0.0', kept: false },
    { tag: 'v2.0.0-rc.1', range: '>=1.0.0', prerelease: true, kept: true },
    { tag: 'v2.0.0-rc.1', range: '>=2.0.0-rc.0', kept: true },
    { tag: 'v2.0.0-rc.2', range: '>=2.0.0-rc.10', kept: false },
    { tag: 'v2.1.0-rc.1', range: '>=2.0.0-rc.0', kept: false },
    { tag: 'v2.1.0-rc.1', range: '>=2.0.0-rc.0', prerelease: true, kept: true },
    { tag: '2.0.0-beta', range: '^2.0.0', kept: false },
    { tag: '2.0.0-beta', range: '^2.0.0', prerelease: true, kept: false },
    { tag: '2.1.0-beta', range: '^2.0.0', prerelease: true, kept: true },
    { tag: '2.0.0', range: '>=2.0.0-rc.0', kept: true },
    { tag: '1.25.3-alpine', range: '>=1.25.0', kept: true },
    { tag: '1.25.3-alpine', range: '<1.25.3', kept: false },
  ];
  for (const c of ranges) {
    const admits = c.prerelease === true ? ' (tags.prerelease: true)' : '';
    it(`${c.tag} ${c.kept ? 'satisfies' : 'fails'} ${c.range}${admits}`, () => {
      const rejection = semverRejection(c.tag, c.range, { prerelease: c.prerelease === true });
      if (c.kept) assert.equal(rejection, null);
      else assert.notEqual(rejection, null);
    });
  }

  it('says why a prerelease is dropped, and how to admit it', () => {
    assert.equal(
      semverRejection('v2.0.0-rc.1', '>=1.0.0'),
      '2.0.0-rc.1 is a prerelease, which >=1.0.0 does not name (set tags.prerelease: true to admit prereleases)',
    );
    assert.equal(semverRejection('1.0.0', '<1.0.0'), '1.0.0 does not satisfy <1.0.0');
  });

  it('tags.prerelease reaches the filter through the mirror config', () => {
    const tags = ['v1.0.0', 'v2.0.0-rc.1'];
    assert.deepEqual(matchTagNames(mirrorConfig({ tags: { semver: '>=1.0.0' } }), tags).kept, ['v1.0.0']);
    assert.deepEqual(matchTagNames(mirrorConfig({ tags: { semver: '>=1.0.0', prerelease: true } }), tags).kept, tags);
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
