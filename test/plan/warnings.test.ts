import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mirrorWarnings } from '../../src/plan/warnings.js';
import { inventoryFor, mirrorConfig } from '../helpers/inventory-builder.js';

describe('mirrorWarnings', () => {
  it('warns when the source catalog has nothing under the prefix, with the fix for a prefix that is one repository', () => {
    const single = mirrorConfig({ name: 'single', source: { scheme: 'registry', host: '127.0.0.1:5000', prefix: 'team/app1' } });
    const typo = mirrorConfig({ name: 'typo', source: { scheme: 'registry', host: '127.0.0.1:5000', prefix: 'tean' } });
    const root = mirrorConfig({ name: 'root', source: { scheme: 'registry', host: '127.0.0.1:5000', prefix: '' } });
    const inventory = { mirrors: [inventoryFor(single).build(), inventoryFor(typo).build(), inventoryFor(root).build()] };
    assert.deepEqual(mirrorWarnings([single, typo, root], inventory), [
      'mirror single: the source catalog has no repository under 127.0.0.1:5000/team/app1, so this mirror plans nothing; check the source (to mirror the repository team/app1 itself, write source: 127.0.0.1:5000/team with repositories.names: [app1])',
      'mirror typo: the source catalog has no repository under 127.0.0.1:5000/tean, so this mirror plans nothing; check the source (to mirror the repository tean itself, write source: 127.0.0.1:5000 with repositories.names: [tean])',
      'mirror root: the source catalog has no repository under 127.0.0.1:5000, so this mirror plans nothing; check the source',
    ]);
  });

  it('says nothing when the catalog lists repositories, or when repositories.names is given (that is checked as a problem)', () => {
    const listed = mirrorConfig({ name: 'listed' });
    const named = mirrorConfig({ name: 'named', repositories: { names: ['ghost'] } });
    const inventory = {
      mirrors: [
        inventoryFor(listed)
          .source('app1', (r) => r.head('v1', 'a'))
          .build(),
        inventoryFor(named).build(),
      ],
    };
    assert.deepEqual(mirrorWarnings([listed, named], inventory), []);
  });
});
