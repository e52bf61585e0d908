/**
 * Issue 14: a source that names one repository is inventoried as the relative path '' and planned under the
 * destination prefix by its last path component, as skopeo sync does. Plain data: the mapping is the planner's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actions, inventoryFor, mirrorConfig, planOf } from '../helpers/inventory-builder.js';

const hub = mirrorConfig({
  name: 'hub',
  source: { scheme: 'registry', host: 'docker.io', prefix: 'library/alpine' },
  destination: { scheme: 'registry', host: 'mirror.example.com', prefix: 'hub' },
});

describe('a source that is one repository', () => {
  it('docker.io/library/alpine with destination mirror.example.com/hub lands at mirror.example.com/hub/alpine', () => {
    const inventory = inventoryFor(hub)
      .source('', (r) => r.head('3.19', 'alpine-3.19').head('3.20', 'alpine-3.20'))
      .build();
    const { plan, problems } = planOf([hub], [inventory]);
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(plan), [
      'create missing-in-destination mirror.example.com/hub/alpine:3.19',
      'create missing-in-destination mirror.example.com/hub/alpine:3.20',
    ]);
    assert.deepEqual(
      plan.changes.map((change) => change.source?.ref),
      ['docker.io/library/alpine:3.19', 'docker.io/library/alpine:3.20'],
    );
  });

  it('a rename still applies, to the whole source path', () => {
    const renamed = { ...hub, rename: { kind: 'template' as const, template: 'official/\\2' } };
    const inventory = inventoryFor(renamed)
      .source('', (r) => r.head('3.19', 'alpine-3.19'))
      .destination('hub/official/alpine')
      .build();
    const { plan, problems } = planOf([renamed], [inventory]);
    assert.deepEqual(problems, []);
    assert.deepEqual(actions(plan), ['create missing-in-destination mirror.example.com/hub/official/alpine:3.19']);
  });
});
