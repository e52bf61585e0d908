/** docs/config.md is what scripts/gen-config-docs.ts makes from the schema today (npm run docs regenerates it). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderConfigDocs } from '../../scripts/config-docs.js';
import type { SchemaNode } from '../../scripts/config-docs.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const schema = JSON.parse(read('schemas/regsync.schema.json')) as SchemaNode;

describe('docs/config.md', () => {
  it('is current with schemas/regsync.schema.json (run npm run docs when this fails)', () => {
    assert.equal(read('docs/config.md'), renderConfigDocs(schema), 'docs/config.md is stale: run npm run docs and commit it');
  });

  it('documents a key added to the schema without code changes, with its description', () => {
    const tags = schema.$defs!.tags!;
    const extended: SchemaNode = {
      ...schema,
      $defs: {
        ...schema.$defs,
        tags: { ...tags, properties: { ...tags.properties, prerelease: { type: 'boolean', description: 'Keep pre-releases.' } } },
      },
    };
    const docs = renderConfigDocs(extended);
    assert.match(docs, /### `mirrors\[\]\.tags\.prerelease`\n\nType: boolean\.\n\nKeep pre-releases\./);
    assert.match(docs, /- \[`mirrors\[\]\.tags\.prerelease`\]\(#mirrorstagsprerelease\)/);
  });

  it('lists every mirror field and every registry setting', () => {
    const docs = renderConfigDocs(schema);
    for (const key of Object.keys(schema.$defs!.mirror!.properties!)) assert.ok(docs.includes(`### \`mirrors[].${key}\``), key);
    for (const key of Object.keys(schema.$defs!.registry!.properties!)) assert.ok(docs.includes(`### \`registries.<host>.${key}\``), key);
  });
});
