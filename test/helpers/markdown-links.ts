/** Relative links and heading anchors of a Markdown file, as GitHub resolves them (enough for our docs). */
import { headingSlug } from '../../scripts/config-docs.js';

/** The text outside fenced code blocks and inline code spans, line by line (links there are not links). */
function proseLines(markdown: string): string[] {
  const lines: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (!fenced) lines.push(line);
  }
  return lines;
}

/** Link targets of `[text](target)` and `[text]: target`, minus external ones (http, https, mailto). */
export function relativeLinks(markdown: string): string[] {
  const targets: string[] = [];
  for (const raw of proseLines(markdown)) {
    const line = raw.replace(/`[^`]*`/g, (span) => (span.includes('](') ? '' : span));
    for (const match of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) targets.push(match[1]!);
    const reference = /^\s*\[[^\]]+\]:\s*(\S+)/.exec(line);
    if (reference) targets.push(reference[1]!);
  }
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** GitHub's anchors for every heading: `-1`, `-2`... for repeats. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = headingSlug(heading[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const count = seen.get(base) ?? 0;
    anchors.add(count === 0 ? base : `${base}-${count}`);
    seen.set(base, count + 1);
  }
  return anchors;
}
