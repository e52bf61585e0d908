import type { DocPath, Problem } from './problems.js';

/** The document with every ${VAR} expanded, plus the values that must never be printed. */
export interface ExpandResult {
  value: unknown;
  problems: Problem[];
  /** Secret values: every password, and every env value used in a username/password/token position. */
  secrets: string[];
}

// `$${` escapes a literal `${`; any other `$` (regex anchors such as `-tmp$`) is left alone.
const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_KEY = /password|token|secret/i;
const CREDENTIAL_KEY = /username|password|token|secret/i;

/**
 * Expands `${VAR}` and `${VAR:-default}` in every string of the document. A missing variable without a default
 * is a problem at that path; nothing is silently left as a literal.
 */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv): ExpandResult {
  const problems: Problem[] = [];
  const secrets: string[] = [];
  const walk = (node: unknown, path: DocPath): unknown => {
    if (typeof node === 'string') return expandString(node, path);
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) out[key] = walk(child, [...path, key]);
      return out;
    }
    return node;
  };
  const expandString = (text: string, path: DocPath): string => {
    const key = String(path[path.length - 1] ?? '');
    let usedEnv = false;
    const expanded = text.replace(REFERENCE, (whole, body: string | undefined) => {
      if (whole === '$${') return '${';
      const inner = body ?? '';
      const split = inner.indexOf(':-');
      const name = split === -1 ? inner : inner.slice(0, split);
      const fallback = split === -1 ? undefined : inner.slice(split + 2);
      if (!NAME.test(name)) {
        problems.push({ path, message: `"${whole}" is not a valid variable reference (write \${NAME} or \${NAME:-default})` });
        return whole;
      }
      const found = env[name];
      // As in the shell: `:-` also replaces an empty value; a plain ${NAME} set to "" expands to "".
      if (found !== undefined && (found !== '' || fallback === undefined)) {
        usedEnv = true;
        return found;
      }
      if (fallback !== undefined) return fallback;
      problems.push({ path, message: `environment variable ${name} is not set (set it, or write \${${name}:-default})` });
      return '';
    });
    if (SECRET_KEY.test(key) || (usedEnv && CREDENTIAL_KEY.test(key))) secrets.push(expanded);
    return expanded;
  };
  return { value: walk(value, []), problems, secrets: secrets.filter((s) => s !== '') };
}
