/** Replaces every secret in a text with `***`. Secrets shorter than 4 characters are ignored (they would mangle prose). */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  // Belt and braces: an Authorization header value that slipped into a text never survives.
  return out.replace(/\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 ***');
}

const SECRET_QUERY_KEY = /sig|signature|token|secret|password|credential|key|auth/i;

/** A URL safe for messages: values of query parameters that look like signatures or tokens are masked. */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return String(url);
  }
  parsed.username = '';
  parsed.password = '';
  for (const key of [...parsed.searchParams.keys()]) {
    if (SECRET_QUERY_KEY.test(key)) parsed.searchParams.set(key, '***');
  }
  return parsed.toString();
}
