/**
 * The `rel="next"` target of a `Link` header, resolved against the request URL
 * (Distribution sends a relative `</v2/_catalog?last=x&n=2>; rel="next"`). null when there is none.
 */
export function nextLink(header: string | null, base: string | URL): URL | null {
  if (!header) return null;
  for (const match of header.matchAll(/<([^>]*)>([^,<]*)/g)) {
    const target = match[1] ?? '';
    const params = match[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const values = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (values.includes('next')) {
      try {
        return new URL(target, base);
      } catch {
        return null;
      }
    }
  }
  return null;
}
