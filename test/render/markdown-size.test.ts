/** The Markdown plan fits a GitHub comment (65,536 characters): beyond 60,000 it folds repositories into counts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plan } from '../../src/plan/types.js';
import { MARKDOWN_LIMIT, renderMarkdown } from '../../src/render/markdown.js';
import { inventoryFor, mirrorConfig, planOf } from '../helpers/inventory-builder.js';
import type { RepoBuilder } from '../helpers/inventory-builder.js';

const off = { color: false, showUnchanged: false, showSkipped: false };

/** `repositories` source repositories of `tags` tags each; v1.0.0 is already at the destination. */
function largePlan(repositories: number, tags: number): Plan {
  const mirror = mirrorConfig({ tags: { exclude: ['-rc$'] } });
  let builder = inventoryFor(mirror);
  for (let r = 0; r < repositories; r++) {
    const name = `app${String(r).padStart(4, '0')}`;
    const tagNames = Array.from({ length: tags }, (_, t) => `v1.${t}.0`);
    const fill = (repo: RepoBuilder, only: (tag: string) => boolean) =>
      tagNames.filter(only).forEach((tag) => repo.image(tag, `${name}-${tag}`, '2024-03-05T12:00:00Z'));
    builder = builder
      .source(name, (repo) => {
        fill(repo, () => true);
        repo.image('v2.0.0-rc', `${name}-rc`, '2024-03-05T12:00:00Z');
      })
      .destination(`mirror/${name}`, (repo) => fill(repo, (tag) => tag === 'v1.0.0'));
  }
  return planOf([mirror], [builder.build()]).plan;
}

describe('renderMarkdown size cap', () => {
  it('leaves a plan under the limit as it is (a 330-tag plan lists every change)', () => {
    const plan = largePlan(11, 30);
    const markdown = renderMarkdown(plan, off);
    assert.ok(markdown.length <= MARKDOWN_LIMIT, `${markdown.length} characters`);
    assert.doesNotMatch(markdown, /too large/);
    assert.equal(markdown.match(/^\| \+ create /gm)?.length, plan.summary.create);
  });

  it('folds each repository into a row of counts inside <details>, and points at the JSON', () => {
    const plan = largePlan(200, 20);
    const markdown = renderMarkdown(plan, off);
    assert.ok(markdown.length <= MARKDOWN_LIMIT, `${markdown.length} characters`);
    const unfolded = /too large for one comment \(([\d,]+) characters\)/.exec(markdown)?.[1];
    assert.ok(Number(unfolded?.replaceAll(',', '')) > MARKDOWN_LIMIT, 'the notice gives the unfolded size, over the limit');
    assert.match(markdown, /The full plan is in the JSON/);
    assert.match(markdown, /\*\*Plan: 3800 to create, 0 to update, 0 to delete, 200 unchanged\.\*\*/);
    assert.match(markdown, /<details><summary>200 repositories: 3800 to create, 0 to update, 0 to delete, 200 unchanged<\/summary>/);
    assert.match(markdown, /^\| `127\.0\.0\.1:5001\/mirror\/app0000` \| 19 \| 0 \| 0 \| 1 \|$/m);
    assert.equal(markdown.match(/^\| `127\.0\.0\.1:5001\/mirror\/app\d{4}` \|/gm)?.length, 200);
    assert.match(markdown, /^Skipped 200 \(200 exclude\)\.$/m);
    assert.doesNotMatch(markdown, /\| \+ create /, 'no per-tag rows once folded');
  });

  it('shows the first repositories and counts the rest when even the rows are too many', () => {
    const plan = largePlan(3000, 1);
    const markdown = renderMarkdown(plan, off);
    assert.ok(markdown.length <= MARKDOWN_LIMIT, `${markdown.length} characters`);
    const more = /^\| … and (\d+) more repositories \| (\d+) \| 0 \| 0 \| (\d+) \|$/m.exec(markdown);
    assert.ok(more, 'a row counts the repositories not shown');
    const shown = markdown.match(/^\| `127\.0\.0\.1:5001\/mirror\/app\d{4}` \|/gm)?.length ?? 0;
    assert.equal(shown + Number(more[1]), 3000);
    assert.equal(Number(more[2]) + Number(more[3]), Number(more[1]), 'each hidden repository counted once');
    assert.match(markdown, /<summary>3000 repositories: 0 to create, 0 to update, 0 to delete, 3000 unchanged<\/summary>/);
  });
});
