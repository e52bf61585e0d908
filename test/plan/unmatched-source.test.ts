import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inventoryFor, mirrorConfig, planOf } from '../helpers/inventory-builder.js';

const at = (prefix: string) => ({ scheme: 'registry' as const, host: '127.0.0.1:5000', prefix });

describe('a source that matches no repository', () => {
  it('is a problem naming the mirror, the source, how many repositories the catalog listed and that the prefix has no tags', () => {
    const single = mirrorConfig({ name: 'single', source: at('team/app1') });
    const typo = mirrorConfig({ name: 'typo', source: at('tean') });
    const root = mirrorConfig({ name: 'root', source: at('') });
    const { problems } = planOf(
      [single, typo, root],
      [inventoryFor(single).catalogOf(3).build(), inventoryFor(typo).catalogOf(1).build(), inventoryFor(root).catalogOf(0).build()],
    );
    assert.deepEqual(problems, [
      'mirror single: the source 127.0.0.1:5000/team/app1 matches no repository (the catalog of 127.0.0.1:5000 lists 3 repositories, none under team/app1, and team/app1 itself has no tags); check the source',
      'mirror typo: the source 127.0.0.1:5000/tean matches no repository (the catalog of 127.0.0.1:5000 lists 1 repository, none under tean, and tean itself has no tags); check the source',
      'mirror root: the source 127.0.0.1:5000 matches no repository (the catalog of 127.0.0.1:5000 lists 0 repositories); check the source',
    ]);
  });

  it('with include/exclude (the prefix was not read as a repository) says how to mirror the prefix itself', () => {
    const filtered = mirrorConfig({ name: 'filtered', source: at('team/app1'), repositories: { include: ['^v'] } });
    assert.deepEqual(planOf([filtered], [inventoryFor(filtered).catalogOf(3).build()]).problems, [
      'mirror filtered: the source 127.0.0.1:5000/team/app1 matches no repository (the catalog of 127.0.0.1:5000 lists 3 repositories, none under team/app1); check the source (repositories.include/exclude select repositories under it; to mirror the repository team/app1 itself, write source: 127.0.0.1:5000/team with repositories.names: [app1])',
    ]);
  });

  it('without a catalog (Docker Hub) says the prefix has no tags and the catalog is not offered', () => {
    const hub = mirrorConfig({ name: 'hub', source: { scheme: 'registry', host: 'docker.io', prefix: 'library/alpne' } });
    const inventory = { ...inventoryFor(hub).build(), catalogSize: null };
    assert.deepEqual(planOf([hub], [inventory]).problems, [
      'mirror hub: the source docker.io/library/alpne matches no repository (it has no tags, and docker.io offers no catalog to list repositories under it); check the source, or name the repositories under repositories.names',
    ]);
  });

  it('is no problem when the catalog lists a repository under the prefix, even one the filters then drop', () => {
    const listed = mirrorConfig({ name: 'listed', repositories: { exclude: ['.'] } });
    const inventory = inventoryFor(listed)
      .source('app1', (r) => r.head('v1', 'a'))
      .build();
    assert.deepEqual(planOf([listed], [inventory]).problems, []);
  });

  it('is left to the per-name check when repositories.names is given', () => {
    const named = mirrorConfig({ name: 'named', repositories: { names: ['ghost'] } });
    const inventory = inventoryFor(named).source('ghost').catalog().build();
    assert.deepEqual(planOf([named], [inventory]).problems, [
      'mirror named: 127.0.0.1:5000/team/ghost: the repository does not exist or has no tags; fix repositories.names',
    ]);
  });
});
