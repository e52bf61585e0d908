/** Token scopes (`repository:team/app:pull,push`, `registry:catalog:*`) as sets of single-action atoms. */
import { compareStrings } from '../../util/compare.js';

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

export const CATALOG_SCOPE = 'registry:catalog:*';

/** `repository:a:pull,push` → [`repository:a:pull`, `repository:a:push`]. */
function scopeAtoms(scope: string): string[] {
  const last = scope.lastIndexOf(':');
  if (last <= 0) return [scope];
  const resource = scope.slice(0, last);
  return scope
    .slice(last + 1)
    .split(',')
    .filter((action) => action !== '')
    .map((action) => `${resource}:${action}`);
}

/** Merges scopes so one token request asks for every action on every resource once: `repository:a:pull,push repository:b:pull`. */
export function mergeScopes(scopes: Iterable<string>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes) {
    for (const atom of scopeAtoms(scope)) {
      const last = atom.lastIndexOf(':');
      const resource = atom.slice(0, last);
      const actions = byResource.get(resource) ?? new Set<string>();
      actions.add(atom.slice(last + 1));
      byResource.set(resource, actions);
    }
  }
  return [...byResource.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`);
}

/** The access a JWT grants (`access` claim), as atoms; null when the token is not a readable JWT. */
export function grantedAtoms(token: string): Set<string> | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const access = (claims as { access?: unknown }).access;
    if (!Array.isArray(access)) return null;
    const atoms = new Set<string>();
    for (const entry of access) {
      const { type, name, actions } = (entry ?? {}) as { type?: unknown; name?: unknown; actions?: unknown };
      if (typeof type !== 'string' || typeof name !== 'string' || !Array.isArray(actions)) continue;
      for (const action of actions) if (typeof action === 'string') atoms.add(`${type}:${name}:${action}`);
    }
    return atoms;
  } catch {
    return null;
  }
}

interface CachedToken {
  token: string;
  expiresAt: number;
  /** What the token is known to allow: the JWT's access claim, or what was asked for when it is opaque. */
  atoms: Set<string>;
}

/** Bearer tokens of one host, reused by exact scope or by any token whose access covers the request. */
export class TokenCache {
  private readonly byKey = new Map<string, CachedToken>();

  static key(scopes: string[]): string {
    return mergeScopes(scopes).join(' ');
  }

  get(scopes: string[], now: number): string | null {
    const exact = this.byKey.get(TokenCache.key(scopes));
    if (exact && exact.expiresAt > now) return exact.token;
    const wanted = mergeScopes(scopes).flatMap(scopeAtoms);
    for (const [key, entry] of this.byKey) {
      if (entry.expiresAt <= now) {
        this.byKey.delete(key);
        continue;
      }
      if (wanted.every((atom) => entry.atoms.has(atom))) return entry.token;
    }
    return null;
  }

  set(scopes: string[], token: string, expiresInSeconds: number, now: number): void {
    const lifetime = expiresInSeconds * 1000;
    // Renew a little early so a token never expires between the check and the request.
    const expiresAt = now + lifetime - Math.min(10_000, lifetime / 10);
    const atoms = grantedAtoms(token) ?? new Set(mergeScopes(scopes).flatMap(scopeAtoms));
    this.byKey.set(TokenCache.key(scopes), { token, expiresAt, atoms });
  }

  /** Forgets a token the registry refused. */
  drop(token: string): void {
    for (const [key, entry] of this.byKey) if (entry.token === token) this.byKey.delete(key);
  }
}
