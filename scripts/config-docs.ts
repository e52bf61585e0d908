/**
 * docs/config.md from schemas/regsync.schema.json: one section per key, in the schema's own order, with its
 * type, allowed values and description. Pure (schema in, Markdown out), so the staleness test regenerates it
 * in memory; scripts/gen-config-docs.ts writes the file. Keys added to the schema appear without code changes.
 */

/** The subset of JSON Schema the config schema uses. */
export interface SchemaNode {
  $ref?: string;
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  minItems?: number;
  minLength?: number;
  pattern?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  propertyNames?: SchemaNode;
  items?: SchemaNode;
  required?: string[];
  title?: string;
  $defs?: Record<string, SchemaNode>;
}

interface Section {
  path: string;
  node: SchemaNode;
  /** The definition this key refers to, when it is a $ref. */
  definition: SchemaNode | null;
  required: boolean;
}

/** Keys documented after the others: `defaults` holds mirror fields, best read once `mirrors[]` has been. */
const DOCUMENTED_LAST = ['defaults'];

export const GENERATED_NOTICE =
  '<!-- Generated from schemas/regsync.schema.json by scripts/gen-config-docs.ts (npm run docs). Do not edit by hand. -->';

function definitionOf(root: SchemaNode, node: SchemaNode): SchemaNode | null {
  if (node.$ref === undefined) return null;
  const name = node.$ref.replace(/^#\/\$defs\//, '');
  const found = root.$defs?.[name];
  if (found === undefined) throw new Error(`schema: unresolved $ref ${node.$ref}`);
  return found;
}

/** The node with its definition's fields filled in (the key's own description wins). */
function resolved(root: SchemaNode, node: SchemaNode): SchemaNode {
  const definition = definitionOf(root, node);
  return definition === null ? node : { ...definition, ...node };
}

function typeText(root: SchemaNode, node: SchemaNode): string {
  const full = resolved(root, node);
  if (full.const !== undefined) return `\`${JSON.stringify(full.const)}\``;
  const types = full.type === undefined ? [] : Array.isArray(full.type) ? full.type : [full.type];
  return types
    .map((type) => {
      if (type === 'array' && full.items !== undefined) return `array of ${typeText(root, full.items)}`;
      if (type === 'object' && full.additionalProperties !== undefined && typeof full.additionalProperties === 'object') {
        return 'map of host → object';
      }
      return type;
    })
    .join(' or ');
}

function constraints(root: SchemaNode, node: SchemaNode): string[] {
  const full = resolved(root, node);
  const lines: string[] = [];
  if (full.enum !== undefined) lines.push(`One of: ${full.enum.map((value) => `\`${String(value)}\``).join(', ')}.`);
  if (full.minimum !== undefined) lines.push(`Minimum: ${full.minimum}.`);
  if (full.minItems !== undefined) lines.push(`At least ${full.minItems} item${full.minItems === 1 ? '' : 's'}.`);
  const items = full.items === undefined ? null : resolved(root, full.items);
  if (items?.pattern !== undefined) lines.push(`Each item matches \`${items.pattern}\`.`);
  return lines;
}

function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** Every documented key, depth first, in schema order; a definition's fields are listed at each use. */
function collectSections(root: SchemaNode, node: SchemaNode, path: string, out: Section[]): void {
  const full = resolved(root, node);
  const keys = Object.keys(full.properties ?? {});
  const ordered =
    path === '' ? [...keys.filter((k) => !DOCUMENTED_LAST.includes(k)), ...keys.filter((k) => DOCUMENTED_LAST.includes(k))] : keys;
  for (const key of ordered) {
    const child = full.properties![key]!;
    const childFull = resolved(root, child);
    const keyPath = childPath(path, key);
    out.push({ path: keyPath, node: child, definition: definitionOf(root, child), required: full.required?.includes(key) ?? false });
    if (path === '' && DOCUMENTED_LAST.includes(key)) continue; // its fields are the mirror fields, already listed
    collectNested(root, childFull, keyPath, out);
  }
}

function collectNested(root: SchemaNode, full: SchemaNode, keyPath: string, out: Section[]): void {
  if (full.properties !== undefined) collectSections(root, full, keyPath, out);
  if (typeof full.additionalProperties === 'object') collectSections(root, full.additionalProperties, `${keyPath}.<host>`, out);
  if (full.items !== undefined && resolved(root, full.items).properties !== undefined)
    collectSections(root, full.items, `${keyPath}[]`, out);
}

/** A value format's description (duration, regex list, endpoint...), worth repeating under each key using it. */
function formatText(definition: SchemaNode | null): string | null {
  if (definition?.description === undefined || definition.enum !== undefined) return null;
  const types = Array.isArray(definition.type) ? definition.type : [definition.type];
  const isFormat = types.some((type) => type === 'string' || type === 'array');
  return isFormat ? definition.description : null;
}

function sectionText(root: SchemaNode, section: Section): string[] {
  const lines = [`### \`${section.path}\``, ''];
  lines.push(`Type: ${typeText(root, section.node)}${section.required ? ' (required)' : ''}.`, '');
  if (section.node.description !== undefined) lines.push(section.node.description, '');
  const format = formatText(section.definition);
  if (format !== null && format !== section.node.description) lines.push(`Format: ${format}`, '');
  const rules = constraints(root, section.node);
  if (rules.length > 0) lines.push(rules.join(' '), '');
  return lines;
}

/** The `defaults` section lists which mirror fields it takes, as links. */
function defaultsText(root: SchemaNode, slug: (heading: string) => string): string[] {
  const defaults = resolved(root, root.properties?.defaults ?? {});
  const keys = Object.keys(defaults.properties ?? {});
  if (keys.length === 0) return [];
  const links = keys.map((key) => `[\`${key}\`](#${slug(`mirrors[].${key}`)})`);
  return [`Fields: ${links.join(', ')} (as under \`mirrors[]\`).`, ''];
}

/** GitHub's heading anchor for a heading made only of `code`: lower case, punctuation dropped. */
export function headingSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The whole of docs/config.md. */
export function renderConfigDocs(schema: SchemaNode): string {
  const sections: Section[] = [];
  collectSections(schema, schema, '', sections);
  const lines = [GENERATED_NOTICE, '', '# Configuration reference', ''];
  if (schema.description !== undefined) lines.push(schema.description, '');
  lines.push(
    'Every key of `regsync.yaml`, from [`schemas/regsync.schema.json`](../schemas/regsync.schema.json). `mirrors[]` means each',
    'item of the `mirrors` list, `<host>` a registry key such as `registry.example.com` or `127.0.0.1:5000`. The README explains',
    'how the filters combine: [How tags are selected](../README.md#how-tags-are-selected).',
    '',
    '## Keys',
    '',
  );
  for (const section of sections) lines.push(`- [\`${section.path}\`](#${headingSlug(section.path)})`);
  lines.push('', '## Reference', '');
  for (const section of sections) {
    lines.push(...sectionText(schema, section));
    if (section.path === 'defaults') lines.push(...defaultsText(schema, headingSlug));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
