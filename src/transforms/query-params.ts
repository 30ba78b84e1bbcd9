import { unescape as formUnescape } from 'node:querystring';

/**
 * `query_params` (map<string,string>): the query string's parameters, percent-decoded once and
 * `+` read as a space (form encoding). A repeated name keeps its first value. Malformed escapes
 * stay as logged. Undefined for no query (`-` or empty), so the column is null.
 *
 * Hand-written for speed, and exactly what `new URLSearchParams(query)` gives (its Node.js
 * implementation, which query-params.test.ts checks this against): a leading `?` is dropped, empty
 * pairs are skipped, a pair splits at its first `=`, and a name or value is decoded only when it
 * holds a valid `%XX` escape, by the same `querystring.unescape` Node uses.
 */
export function queryParamsJson(query: string | undefined): string | undefined {
  if (query === undefined || query === '' || query === '-') return undefined;
  // URLSearchParams reads its argument as a USVString: lone surrogates become U+FFFD.
  const text = isWellFormed(query) ? query : toWellFormed(query);
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  let count = 0;
  const decode = text.indexOf('%') >= 0 || text.indexOf('+') >= 0;
  const length = text.length;
  let start = text.charCodeAt(0) === 63 /* ? */ ? 1 : 0;
  while (start < length) {
    let end = text.indexOf('&', start);
    if (end < 0) end = length;
    if (end > start) {
      let equals = text.indexOf('=', start);
      if (equals < 0 || equals > end) equals = end;
      const name = decode ? formComponent(text, start, equals) : text.slice(start, equals);
      if (name !== '' && !(name in params)) {
        params[name] = equals === end ? '' : decode ? formComponent(text, equals + 1, end) : text.slice(equals + 1, end);
        count++;
      }
    }
    start = end + 1;
  }
  return count === 0 ? undefined : JSON.stringify(params);
}

/** `%` and two hex digits: Node decodes a name or value only when it holds one. */
const VALID_ESCAPE = /%[0-9A-Fa-f]{2}/;

/**
 * One name or value, form-decoded the way Node's URLSearchParams does it: `+` → space, then
 * `querystring.unescape` when a valid escape is present. Node looks for the escape while skipping
 * `+` characters (so `%4+1` counts as one), and so does this.
 */
function formComponent(text: string, start: number, end: number): string {
  const raw = text.slice(start, end);
  const hasPlus = raw.indexOf('+') >= 0;
  if (raw.indexOf('%') < 0) return hasPlus ? raw.replaceAll('+', ' ') : raw;
  const escaped = VALID_ESCAPE.test(hasPlus ? raw.replaceAll('+', '') : raw);
  const spaced = hasPlus ? raw.replaceAll('+', ' ') : raw;
  return escaped ? formUnescape(spaced) : spaced;
}

interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

function isWellFormed(text: string): boolean {
  return (text as unknown as WellFormedString).isWellFormed();
}

function toWellFormed(text: string): string {
  return (text as unknown as WellFormedString).toWellFormed();
}

/** The query part of a URL or request target (`/a?b=1#f` → `b=1`), or undefined. */
export function queryOfUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const hash = url.indexOf('#', q + 1);
  return hash < 0 ? url.slice(q + 1) : url.slice(q + 1, hash);
}
