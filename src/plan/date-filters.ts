import type { MirrorConfig } from '../config/types.js';
import { createdMs } from '../util/created.js';
import { compareStrings } from '../util/compare.js';

export interface DatedTag {
  tag: string;
  /** ISO 8601 creation date of what would be copied, or null when it could not be read. */
  created: string | null;
}

export type DateFilter = 'maxAge' | 'minAge' | 'latest' | 'date-unknown';

/**
 * The date filters, after the name filters: date-unknown → maxAge → minAge → latest N. Only called when the
 * mirror sets one of them; a tag without a readable date is dropped, never copied blindly.
 */
export function applyDateFilters(
  mirror: MirrorConfig,
  tags: DatedTag[],
  now: Date,
): { kept: string[]; skipped: Array<{ tag: string; filter: DateFilter; detail: string }> } {
  const { maxAge, minAge, latest } = mirror.tags;
  const skipped: Array<{ tag: string; filter: DateFilter; detail: string }> = [];
  let left: Array<{ tag: string; created: string; ms: number }> = [];
  for (const { tag, created } of tags) {
    const ms = createdMs(created);
    if (created === null || ms === null) {
      skipped.push({ tag, filter: 'date-unknown', detail: 'the image config has no readable created date' });
      continue;
    }
    const age = now.getTime() - ms;
    if (maxAge !== null && age > maxAge.ms) {
      skipped.push({ tag, filter: 'maxAge', detail: `created ${created}, older than ${maxAge.text}` });
    } else if (minAge !== null && age < minAge.ms) {
      skipped.push({ tag, filter: 'minAge', detail: `created ${created}, newer than ${minAge.text}` });
    } else {
      left.push({ tag, created, ms });
    }
  }
  if (latest !== null) {
    // Newest first; equal dates fall back to the tag name, descending, so the choice never depends on listing order.
    left.sort((a, b) => b.ms - a.ms || compareStrings(b.tag, a.tag));
    for (const dropped of left.slice(latest)) {
      skipped.push({ tag: dropped.tag, filter: 'latest', detail: `not among the ${latest} newest (created ${dropped.created})` });
    }
    left = left.slice(0, latest);
  }
  return { kept: left.map((t) => t.tag).sort(compareStrings), skipped };
}
