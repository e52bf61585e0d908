/** README.md, ARCHITECTURE.md and docs/*.md: every relative link names a file that exists, every anchor a heading. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { headingAnchors, relativeLinks } from '../helpers/markdown-links.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const documents = [
  'README.md',
  'ARCHITECTURE.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  ...['gitops', 'kubernetes'].map((name) => `examples/${name}/README.md`).filter((file) => existsSync(join(root, file))),
];

/** The problems of one link from `file`: a missing target file, or an anchor no heading makes. */
function linkProblem(file: string, target: string): string | null {
  const [pathPart = '', anchor] = target.split('#', 2);
  const resolved = pathPart === '' ? join(root, file) : join(dirname(join(root, file)), decodeURIComponent(pathPart));
  if (!existsSync(resolved)) return `${target}: ${relative(root, resolved)} does not exist`;
  if (anchor === undefined || anchor === '' || !resolved.endsWith('.md') || statSync(resolved).isDirectory()) return null;
  const anchors = headingAnchors(readFileSync(resolved, 'utf8'));
  return anchors.has(anchor) ? null : `${target}: no heading with anchor #${anchor} in ${relative(root, resolved)}`;
}

describe('documentation links', () => {
  for (const file of documents) {
    it(`${file}: relative links and anchors resolve`, () => {
      const links = relativeLinks(readFileSync(join(root, file), 'utf8'));
      const problems = links.map((link) => linkProblem(file, link)).filter((p) => p !== null);
      assert.deepEqual(problems, []);
    });
  }

  it('the checker finds broken links and anchors (so a pass means something)', () => {
    const markdown =
      '# Title\n\n## Two words\n\n[ok](#two-words) [bad](#nope) `[code](nowhere.md)`\n\n```\n[fenced](nowhere.md)\n```\n[x](missing.md)';
    assert.deepEqual(relativeLinks(markdown), ['#two-words', '#nope', 'missing.md']);
    assert.deepEqual([...headingAnchors(markdown)], ['title', 'two-words']);
    assert.match(linkProblem('README.md', 'no-such-file.md') ?? '', /does not exist/);
    assert.match(linkProblem('README.md', '#no-such-heading') ?? '', /no heading/);
  });
});
