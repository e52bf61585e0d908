import { jsonPointer } from './problems.js';
import type { DocPath, Problem } from './problems.js';

/** The document with every ${VAR} expanded, plus the values that must never be printed. */
export interface ExpandResult {
  value: unknown;
  problems: Problem[];
  /** Secret values: every password, token and secret, however written (user names are not secrets). */
  secrets: string[];
  /** The path as written in the file for a path into the expanded value (keys may hold ${VAR} too). */
  writtenPath: (path: DocPath) => DocPath;
}

// `$${` escapes a literal `${`; any other `$` (regex anchors such as `-tmp$`) is left alone.
const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_KEY = /password|token|secret/i;
// A user name is no secret (`authentication failed for HOST as alice`, `regsync config` prints it), even from ${VAR}.
const CREDENTIAL_KEY = /password|token|secret/i;

/**
 * Expands `${VAR}` and `${VAR:-default}` in every string of the document. A missing variable without a default
 * is a problem at that path; nothing is silently left as a literal.
 */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv): ExpandResult {
  const problems: Problem[] = [];
  const secrets: string[] = [];
  // JSON pointer of an expanded key → the key as written, so problems still find their line.
  const renamed = new Map<string, string>();
  const walk = (node: unknown, path: DocPath): unknown => {
    if (typeof node === 'string') return expandString(node, path);
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [written, child] of Object.entries(node)) {
        // Keys are strings of the file too: `registries: {"${REG_HOST}": ...}` goes with `source: ${REG_HOST}/team`.
        const before = problems.length;
        const expandedKey = expandText(written, [...path, written], true).text;
        // A key whose variable is missing stays as written: the schema then has nothing new to say about it.
        const key = problems.length > before ? written : expandedKey;
        if (key !== written) renamed.set(jsonPointer([...path, key]), written);
        if (Object.hasOwn(out, key)) {
          problems.push({ path: [...path, written], at: 'key', message: `"${written}" becomes "${key}", a key that is already used here` });
          continue;
        }
        out[key] = walk(child, [...path, key]);
      }
      return out;
    }
    return node;
  };
  const expandString = (text: string, path: DocPath): string => {
    const key = String(path[path.length - 1] ?? '');
    const { text: expanded, usedEnv } = expandText(text, path, false);
    if (SECRET_KEY.test(key) || (usedEnv && CREDENTIAL_KEY.test(key))) secrets.push(expanded);
    return expanded;
  };
  const expandText = (text: string, path: DocPath, isKey: boolean): { text: string; usedEnv: boolean } => {
    const at = isKey ? { at: 'key' as const } : {};
    let usedEnv = false;
    const expanded = text.replace(REFERENCE, (whole, body: string | undefined) => {
      if (whole === '$${') return '${';
      const inner = body ?? '';
      const split = inner.indexOf(':-');
      const name = split === -1 ? inner : inner.slice(0, split);
      const fallback = split === -1 ? undefined : inner.slice(split + 2);
      if (!NAME.test(name)) {
        problems.push({ path, ...at, message: `"${whole}" is not a valid variable reference (write \${NAME} or \${NAME:-default})` });
        return whole;
      }
      const found = env[name];
      // As in the shell: `:-` also replaces an empty value; a plain ${NAME} set to "" expands to "".
      if (found !== undefined && (found !== '' || fallback === undefined)) {
        usedEnv = true;
        return found;
      }
      if (fallback !== undefined) return fallback;
      problems.push({ path, ...at, message: `environment variable ${name} is not set (set it, or write \${${name}:-default})` });
      return '';
    });
    return { text: expanded, usedEnv };
  };
  const writtenPath = (path: DocPath): DocPath => path.map((segment, i) => renamed.get(jsonPointer(path.slice(0, i + 1))) ?? segment);
  return { value: walk(value, []), problems, secrets: secrets.filter((s) => s !== ''), writtenPath };
}
