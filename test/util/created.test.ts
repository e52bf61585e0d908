import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createdMs } from '../../src/util/created.js';
import { readPlanFile, writePlanFile } from '../../src/planfile/index.js';
import { days, inventoryFor, mirrorConfig, planOf, skips } from '../helpers/inventory-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'regsync-created-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('createdMs: an image config date is RFC 3339 or it is no date', () => {
  const cases: Array<[string | null, number | null]> = [
    ['2024-03-05T12:00:00Z', Date.UTC(2024, 2, 5, 12)],
    ['2024-03-05T12:00:00.123456789Z', Date.UTC(2024, 2, 5, 12, 0, 0, 123)],
    ['2024-03-05T14:00:00+02:00', Date.UTC(2024, 2, 5, 12)],
    ['2024-03-05T06:30:00-05:30', Date.UTC(2024, 2, 5, 12)],
    // Go's zero time, which some builders write for reproducible images: a date, a very old one.
    ['0001-01-01T00:00:00Z', -62135596800000],
    // Date.parse reads these in the local time zone, or accepts what the plan schema's date-time refuses.
    ['2024-03-05 12:00:00', null],
    ['2024-03-05T12:00:00', null],
    ['2024-03-05', null],
    ['March 5, 2024', null],
    ['2024-02-30T00:00:00Z', null],
    ['2024-13-01T00:00:00Z', null],
    ['', null],
    [null, null],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${String(expected)}`, () => {
      assert.equal(createdMs(text), expected);
    });
  }
});

describe('date filters with real-world config dates', () => {
  it('an offset date is aged by its instant; a loose date is date-unknown, never copied', async () => {
    const mirror = mirrorConfig({ tags: { maxAge: days(30) } });
    const inventory = inventoryFor(mirror)
      .source('app1', (r) =>
        r
          // NOW is 2026-11-28T10:00Z. Read by their wall clock these two would swap: the offset decides.
          .image('offset-old', 'a', '2026-10-29T20:00:00+14:00') // 2026-10-29T06:00Z: 30 days 4 hours old
          .image('offset-new', 'b', '2026-10-28T21:00:00-14:00') // 2026-10-29T11:00Z: 29 days 23 hours old
          .image('local-time', 'c', '2026-11-27 10:00:00')
          .image('prose', 'd', 'November 27, 2026'),
      )
      .build();
    const { plan, problems } = planOf([mirror], [inventory]);
    assert.deepEqual(problems, []);
    assert.deepEqual(skips(plan), [
      'date-unknown 127.0.0.1:5000/team/app1:local-time',
      'maxAge 127.0.0.1:5000/team/app1:offset-old',
      'date-unknown 127.0.0.1:5000/team/app1:prose',
    ]);
    assert.deepEqual(
      plan.changes.map((c) => [c.target.ref, c.source?.created]),
      [['127.0.0.1:5001/mirror/app1:offset-new', '2026-10-28T21:00:00-14:00']],
    );
    // The offset date is kept as written and the plan file reads back.
    const file = join(dir, 'plan.json');
    await writePlanFile(file, plan);
    assert.deepEqual(await readPlanFile(file), plan);
  });

  it('a loose date is not shown either when no filter needs it (the plan file must read back)', async () => {
    const mirror = mirrorConfig();
    const inventory = inventoryFor(mirror)
      .source('app1', (r) => r.image('v1', 'a', '2026-11-27 10:00:00'))
      .build();
    const { plan } = planOf([mirror], [inventory]);
    assert.equal(plan.changes[0]?.source?.created, null);
    const file = join(dir, 'plan-2.json');
    await writePlanFile(file, plan);
    assert.deepEqual(await readPlanFile(file), plan);
  });
});
