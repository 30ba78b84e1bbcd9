/**
 * `query_params` (map<string,string>): the query string's parameters, percent-decoded once and
 * `+` read as a space (form encoding). A repeated name keeps its first value. Malformed escapes
 * stay as logged. Undefined for no query (`-` or empty), so the column is null.
 */
export function queryParamsJson(query: string | undefined): string | undefined {
  if (query === undefined || query === '' || query === '-') return undefined;
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  let count = 0;
  for (const [name, value] of new URLSearchParams(query)) {
    if (name === '' || name in params) continue;
    params[name] = value;
    count++;
  }
  return count === 0 ? undefined : JSON.stringify(params);
}

/** The query part of a URL or request target (`/a?b=1#f` → `b=1`), or undefined. */
export function queryOfUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const hash = url.indexOf('#', q + 1);
  return hash < 0 ? url.slice(q + 1) : url.slice(q + 1, hash);
}
