/**
 * `regsync apply PLAN.json` against REAL registries: where a saved plan's prune deletes may lie, which only the source
 * registry's catalog says. Two mirrors write under one destination prefix, one of them renaming what it reads from
 * the catalog: the config alone cannot tell its repositories from the other mirror's, so an edited plan could make
 * the renaming mirror's prune delete the other mirror's tags (run/saved-plan-scope.ts).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Change, Plan } from '../../src/plan/types.js';
import { pushImage, rawManifest } from '../harness/images.js';
import { cli, planEnv, sourceImages, startLab } from './plan-fixture.js';
import type { Lab } from './plan-fixture.js';

// `ours` reads team/app1 from the catalog and renames it to mirror/copy-app1; `theirs` writes mirror/app2.
const CONFIG = `
version: 1
mirrors:
  - name: ours
    source: SRC/team
    destination: DST
    executor: registry
    repositories:
      include: ['^app1$']
    rename: 'mirror/copy-\\2'
    tags:
      include: ['^v1\\.2\\.0$']
    prune: true
  - name: theirs
    source: SRC/team
    destination: DST/mirror
    executor: registry
    repositories:
      names: [app2]
`;

describe('regsync apply PLAN.json: the prune deletes of a mirror renaming a catalog', () => {
  let lab: Lab;
  let config: string;
  let file: string;
  let plan: Plan;
  before(async () => {
    lab = await startLab();
    // A tag of ours' own destination repository that its selection leaves out: a delete the planner makes.
    await pushImage({ url: lab.destination.url }, 'mirror/copy-app1', 'old', sourceImages['team/app1:v1.0.0']);
    config = await lab.writeConfig('scope.yaml', CONFIG);
    file = join(lab.dir, 'scope-plan.json');
    const planned = await cli(['plan', '-c', config, '--out', file], await planEnv(), lab.dir);
    assert.equal(planned.code, 0, planned.stderr);
    plan = JSON.parse(await readFile(file, 'utf8')) as Plan;
  });
  after(() => lab.stop());

  it('an edited plan making ours delete a tag of theirs is refused before any change, the tag stays', async () => {
    const theirs = plan.changes.find((change) => change.mirror === 'theirs' && change.target.tag === 'v2.0.0')!;
    assert.equal(theirs.action, 'noop', 'the destination already holds mirror/app2:v2.0.0');
    const ref = theirs.target.ref;
    const planted: Change = {
      id: `ours:${ref}`,
      mirror: 'ours',
      action: 'delete',
      reason: 'not-in-selection',
      executor: 'registry',
      source: null,
      target: { ...theirs.target },
    };
    // The reviewed plan's noop of theirs is dropped too, so no two changes name the tag.
    const changes = [...plan.changes.filter((change) => change !== theirs), planted];
    const summary = { ...plan.summary, noop: plan.summary.noop - 1, delete: plan.summary.delete + 1 };
    const tampered = join(lab.dir, 'scope-tampered.json');
    await writeFile(tampered, JSON.stringify({ ...plan, changes, summary }));
    const result = await cli(['apply', '-c', config, tampered], await planEnv(), lab.dir);
    assert.equal(result.code, 1, result.stdout);
    const D = lab.destination.host;
    assert.equal(
      result.stderr,
      `regsync: plan file does not match the source registry: change "ours:${ref}" deletes ${ref}, but no repository that mirror ours selects at ${lab.source.host}/team maps to ${D}/mirror/app2: run regsync plan again\n`,
    );
    assert.notEqual(await rawManifest(lab.destination, 'mirror/app2', 'v2.0.0'), null);
    assert.equal(await rawManifest(lab.destination, 'mirror/copy-app1', 'v1.2.0'), null, 'nothing else ran either');
  });

  it('the plan as made applies, its own delete included', async () => {
    const deletes = plan.changes.filter((change) => change.action === 'delete').map((change) => change.id);
    assert.deepEqual(deletes, [`ours:${lab.destination.host}/mirror/copy-app1:old`]);
    const result = await cli(['apply', '-c', config, file], await planEnv(), lab.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Apply complete: 2 created, 0 updated, 1 deleted, 0 failed\.\n$/);
    assert.equal(await rawManifest(lab.destination, 'mirror/copy-app1', 'old'), null);
    assert.notEqual(await rawManifest(lab.destination, 'mirror/copy-app1', 'v1.2.0'), null);
    assert.notEqual(await rawManifest(lab.destination, 'mirror/app2', 'v2.0.0'), null);
  });

  it('a source that does not answer: nothing is changed, and the error says which mirror and what to do', async () => {
    await lab.source.stop();
    const result = await cli(['apply', '-c', config, file], await planEnv(), lab.dir);
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      result.stderr,
      new RegExp(
        `^regsync: cannot check the deletes of mirror ours in the saved plan: the source repositories at ${lab.source.host.replace(/\./g, '\\.')}/team could not be listed \\(.+\\); nothing was changed: run apply again once the source answers$`,
        'm',
      ),
    );
    assert.doesNotMatch(result.stdout, /Apply complete/);
  });
});

// Mirror `whole` reads SRC/team, which is a repository itself (the catalog lists it and it has tags): the inventory
// then reads it alone, not the repositories under it, and `whole` writes DST/mirror/team only. Mirror `app1` reads
// SRC/team/app1 into DST/mirror/app1. A delete of `whole` in DST/mirror/app1 passes the config's checks (no rename,
// no filters), so only the choice the inventory made refuses it: the catalog's children are not `whole`'s.
const PREFIX_CONFIG = `
version: 1
mirrors:
  - name: whole
    source: SRC/team
    destination: DST/mirror
    executor: registry
    prune: true
  - name: app1
    source: SRC/team/app1
    destination: DST/mirror
    executor: registry
    tags:
      include: ['^v1\\.0\\.0$']
`;

describe('regsync apply PLAN.json: the prune deletes of a mirror whose source prefix is a repository', () => {
  let lab: Lab;
  after(() => lab?.stop());

  it('an edited plan making it delete in a repository under the prefix that it does not read is refused', async () => {
    lab = await startLab();
    await pushImage({ url: lab.source.url }, 'team', 'v1', sourceImages['team/app1:v1.2.0']);
    const config = await lab.writeConfig('prefix.yaml', PREFIX_CONFIG);
    const file = join(lab.dir, 'prefix-plan.json');
    const planned = await cli(['plan', '-c', config, '--out', file], await planEnv(), lab.dir);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(await readFile(file, 'utf8')) as Plan;
    const D = lab.destination.host;
    assert.ok(plan.changes.some((change) => change.mirror === 'whole' && change.target.repository === 'mirror/team'));
    const other = plan.changes.find((change) => change.mirror === 'app1' && change.target.tag === 'v1.0.0')!;
    assert.equal(other.action, 'noop');
    const planted: Change = {
      ...other,
      id: `whole:${other.target.ref}`,
      mirror: 'whole',
      action: 'delete',
      reason: 'not-in-selection',
      source: null,
    };
    const changes = [...plan.changes.filter((change) => change !== other), planted];
    const summary = { ...plan.summary, noop: plan.summary.noop - 1, delete: plan.summary.delete + 1 };
    const tampered = join(lab.dir, 'prefix-tampered.json');
    await writeFile(tampered, JSON.stringify({ ...plan, changes, summary }));
    const result = await cli(['apply', '-c', config, tampered], await planEnv(), lab.dir);
    assert.equal(result.code, 1, result.stdout);
    assert.equal(
      result.stderr,
      `regsync: plan file does not match the source registry: change "whole:${other.target.ref}" deletes ${other.target.ref}, but no repository that mirror whole selects at ${lab.source.host}/team maps to ${D}/mirror/app1: run regsync plan again\n`,
    );
    assert.notEqual(await rawManifest(lab.destination, 'mirror/app1', 'v1.0.0'), null);
  });
});
