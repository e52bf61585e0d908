import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapRepository } from '../../src/plan/rename.js';
import { mirrorConfig } from '../helpers/inventory-builder.js';
import type { MirrorOverrides } from '../helpers/inventory-builder.js';

const registry = (prefix: string) => ({ scheme: 'registry' as const, host: '127.0.0.1:5001', prefix });
// Most rows read the source at the registry root, so the renamed path is the path shown; the rows after them
// put the source under a prefix, as issue 2's example does.
const atRoot = { source: { scheme: 'registry' as const, host: '127.0.0.1:5000', prefix: '' } };

describe('mapRepository', () => {
  const cases: Array<{ name: string; overrides: MirrorOverrides; source: string; expected: { repository: string } | { error: RegExp } }> = [
    { name: 'no rename: same path under the prefix', overrides: {}, source: 'app1', expected: { repository: 'mirror/app1' } },
    { name: 'no rename, nested path', overrides: {}, source: 'a/b/c', expected: { repository: 'mirror/a/b/c' } },
    { name: 'empty destination prefix', overrides: { destination: registry('') }, source: 'app1', expected: { repository: 'app1' } },
    {
      name: 'prefix with stray slashes',
      overrides: { destination: registry('/mirror/') },
      source: 'app1',
      expected: { repository: 'mirror/app1' },
    },
    {
      name: 'template picks parts',
      overrides: { rename: { kind: 'template', template: 'copies/\\2' } },
      source: 'team/app1',
      expected: { repository: 'mirror/copies/app1' },
    },
    {
      name: 'template reorders parts',
      overrides: { rename: { kind: 'template', template: '\\2/\\1' } },
      source: 'a/b',
      expected: { repository: 'mirror/b/a' },
    },
    {
      name: 'template with \\5',
      overrides: { rename: { kind: 'template', template: 'x/\\5' } },
      source: 'a/b/c/d/e',
      expected: { repository: 'mirror/x/e' },
    },
    {
      name: 'template token beyond the depth is an error, never a literal',
      overrides: { rename: { kind: 'template', template: 'flat/\\3' } },
      source: 'a/b',
      expected: { error: /uses \\3 but "a\/b" has only 2 path parts/ },
    },
    {
      name: 'template \\6 is an error',
      overrides: { rename: { kind: 'template', template: '\\6' } },
      source: 'a/b/c/d/e/f',
      expected: { error: /only \\1 to \\5/ },
    },
    {
      name: 'regex with groups',
      overrides: { rename: { kind: 'regex', match: '^team-(.*)$', replace: 'apps/$1' } },
      source: 'team-web',
      expected: { repository: 'mirror/apps/web' },
    },
    {
      name: 'regex that does not match keeps the path',
      overrides: { rename: { kind: 'regex', match: '^zzz', replace: 'y' } },
      source: 'app1',
      expected: { repository: 'mirror/app1' },
    },
    {
      name: 'a result that is not a repository name is an error',
      overrides: { rename: { kind: 'regex', match: 'app', replace: 'App' } },
      source: 'app1',
      expected: { error: /not a valid repository name/ },
    },
    {
      name: 'an empty result is an error',
      overrides: { destination: registry(''), rename: { kind: 'regex', match: '.*', replace: '' } },
      source: 'app1',
      expected: { error: /empty repository name/ },
    },
    // Issue 2's example: source 127.0.0.1:5000/team, names relative to the prefix, the rename sees team/app1.
    {
      name: 'under a source prefix, no rename re-roots the relative path',
      overrides: { source: registry('team') },
      source: 'app1',
      expected: { repository: 'mirror/app1' },
    },
    {
      name: 'under a source prefix, a template sees the whole path',
      overrides: { source: registry('team'), rename: { kind: 'template', template: 'copies/\\2' } },
      source: 'app1',
      expected: { repository: 'mirror/copies/app1' },
    },
    {
      name: 'under a source prefix, a regex sees the whole path',
      overrides: { source: registry('team'), rename: { kind: 'regex', match: '^team/(.*)$', replace: 'copies/$1' } },
      source: 'web/api',
      expected: { repository: 'mirror/copies/web/api' },
    },
    {
      name: 'under a source prefix, a regex that does not match maps the relative path, not the whole source path',
      overrides: { source: registry('team'), rename: { kind: 'regex', match: '^other/(.*)$', replace: 'copies/$1' } },
      source: 'web/api',
      expected: { repository: 'mirror/web/api' },
    },
    {
      name: 'under a source prefix, a token beyond the whole path is an error naming it',
      overrides: { source: registry('team'), rename: { kind: 'template', template: 'x/\\3' } },
      source: 'app1',
      expected: { error: /uses \\3 but "team\/app1" has only 2 path parts/ },
    },
    // Issue 14: a source that names one repository is read as the relative path ''; it lands by its last component.
    {
      name: 'the source prefix itself lands under the destination prefix by its last path component',
      overrides: { source: registry('library/alpine'), destination: registry('hub') },
      source: '',
      expected: { repository: 'hub/alpine' },
    },
    {
      name: 'the source prefix itself, one component deep, under an empty destination prefix',
      overrides: { source: registry('app1'), destination: registry('') },
      source: '',
      expected: { repository: 'app1' },
    },
    {
      name: 'the source prefix itself, renamed: a template sees the whole source path',
      overrides: { source: registry('team/app1'), rename: { kind: 'template', template: 'copies/\\1-\\2' } },
      source: '',
      expected: { repository: 'mirror/copies/team-app1' },
    },
    {
      name: 'the source prefix itself, renamed: a regex sees the whole source path',
      overrides: { source: registry('library/alpine'), rename: { kind: 'regex', match: '^library/(.*)$', replace: 'official/$1' } },
      source: '',
      expected: { repository: 'mirror/official/alpine' },
    },
    {
      name: 'the source prefix itself, a regex that does not match: the last component',
      overrides: { source: registry('library/alpine'), rename: { kind: 'regex', match: '^zzz', replace: 'y' } },
      source: '',
      expected: { repository: 'mirror/alpine' },
    },
    {
      name: 'the source prefix itself, a rename error names the source path',
      overrides: { source: registry('team/app1'), rename: { kind: 'regex', match: 'app', replace: 'App' } },
      source: '',
      expected: { error: /rename of "team\/app1" gives "mirror\/team\/App1"/ },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = mapRepository(mirrorConfig({ ...atRoot, ...c.overrides }), c.source);
      if ('error' in c.expected) {
        assert.ok('error' in result, `expected an error, got ${JSON.stringify(result)}`);
        assert.match(result.error, c.expected.error);
        assert.doesNotMatch(result.error, /mirror\/flat\/\\3/);
      } else {
        assert.deepEqual(result, c.expected);
      }
    });
  }
});
