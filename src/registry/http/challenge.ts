/** One challenge of a `WWW-Authenticate` header, e.g. `Bearer realm="...",service="...",scope="..."`. */
export interface Challenge {
  /** Lowercase: `basic`, `bearer`, ... */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 7235): several challenges may share one header and
 * quoted parameter values may hold commas and backslash escapes. A token followed by `=` is a
 * parameter of the current challenge; any other token starts a new challenge.
 */
export function parseChallenges(header: string | null): Challenge[] {
  const challenges: Challenge[] = [];
  if (!header) return challenges;
  const n = header.length;
  let i = 0;
  const at = (k: number): string => header[k] ?? '';
  const skipSpace = (): void => {
    while (i < n && /\s/.test(at(i))) i += 1;
  };
  let current: Challenge | null = null;
  while (i < n) {
    while (i < n && /[\s,]/.test(at(i))) i += 1;
    const start = i;
    while (i < n && /[^\s,="]/.test(at(i))) i += 1;
    const word = header.slice(start, i);
    if (!word) {
      i += 1;
      continue;
    }
    skipSpace();
    if (at(i) === '=' && current) {
      i += 1;
      skipSpace();
      let value = '';
      if (at(i) === '"') {
        i += 1;
        while (i < n && at(i) !== '"') {
          if (at(i) === '\\' && i + 1 < n) i += 1;
          value += at(i);
          i += 1;
        }
        i += 1;
      } else {
        const valueStart = i;
        while (i < n && at(i) !== ',' && !/\s/.test(at(i))) i += 1;
        value = header.slice(valueStart, i);
      }
      current.params[word.toLowerCase()] = value;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}

/** The `error` a Bearer challenge names (`insufficient_scope`, `invalid_token`), if any. */
export function challengeErrorOf(header: string | null): string | undefined {
  const bearer = parseChallenges(header).find((challenge) => challenge.scheme === 'bearer');
  return bearer?.params.realm ? bearer.params.error : undefined;
}
